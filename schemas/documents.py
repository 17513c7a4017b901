"""documents: one row per published edition, who the document is."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import Text

PRODUCT_TYPES = ["In Focus", "Insight", "Legal Sidebar", "Report", "Testimony"]
SOURCE_FORMATS = ["pdf", "html", "markdown", "text"]


class Schema(pa.DataFrameModel):
    report_id: Series[Text] = pa.Field(str_matches=r"^(?:[A-Z]{1,3}\d{3,6}|\d{2}-\d{3,4}[A-Z]?)$", description="CRS product number, e.g. IF10199, R48694, 98-317")
    edition: Series[Text] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}(\.v\d+)?(\.[0-9a-f]{8})?$", description="Edition key: YYYY-MM-DD of the document date, then .vN when the version is known")
    version: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="CRS version number printed in the document (footer 'VERSION N'), empty when not printed")
    product_type: Series[Text] = pa.Field(isin=PRODUCT_TYPES, description="CRS product type: In Focus, Insight, Legal Sidebar, Report, Testimony")
    title: Series[Text] = pa.Field(str_length={"min_value": 3}, description="Product title as printed")
    date: Series[Text] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$", description="Document date (ISO): the 'Updated <date>' or cover date")
    status: Series[Text] = pa.Field(nullable=True, description="UPDATED or NEW as printed beside the version, when known")
    pages: Series[int] = pa.Field(ge=1, description="Page count of the original (1 for HTML and text)")
    source_format: Series[Text] = pa.Field(isin=SOURCE_FORMATS, description="Format detected from the bytes: pdf, html, markdown or text")
    source_sha256: Series[Text] = pa.Field(str_matches=r"^[0-9a-f]{64}$", description="sha256 of the original bytes (its key in the raw store)")
    source_name: Series[Text] = pa.Field(description="File name the original was ingested from")
    identity_source: Series[Text] = pa.Field(isin=["document", "report-id option", "file name"], description="Where the report number came from")
    pipeline_version: Series[Text] = pa.Field(description="crsdata version that produced the edition")

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
