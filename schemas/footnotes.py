"""footnotes: footnote texts, linked to the section where their marker appears."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import Text


class Schema(pa.DataFrameModel):
    number: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="Footnote number (empty for a non-numeric marker)")
    marker: Series[Text] = pa.Field(unique=True, description="Footnote marker as printed")
    text: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Footnote text")
    section_id: Series[Text] = pa.Field(nullable=True, description="Section whose text carries the marker; empty when the marker was not found")
    page: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="Page where the footnote is printed (PDF only)")

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
