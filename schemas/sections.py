"""sections: the document's text in reading order, one row per section."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import Text


class Schema(pa.DataFrameModel):
    section_id: Series[Text] = pa.Field(str_matches=r"^s\d{3,}$", unique=True, description="Stable id within the edition (s001, s002, ...), used by every extracted row")
    order: Series[int] = pa.Field(ge=1, unique=True, description="Reading order, from 1")
    heading: Series[Text] = pa.Field(description="Heading as printed; empty for text before the first heading")
    level: Series[int] = pa.Field(ge=0, le=6, description="Heading level: 1 top level, 2 subsection (run-in headings), 0 no heading")
    text: Series[Text] = pa.Field(description="Section text in reading order; paragraphs separated by a blank line; markup, running headers, footers and footnotes removed")
    boilerplate: Series[bool] = pa.Field(description="True for CRS boilerplate (the Disclaimer): not content, never extracted from")
    page_start: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="Page where the section starts (PDF only)")
    words: Series[int] = pa.Field(ge=0, description="Word count of text")

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
