"""table_cells: every data cell of every table, in tidy (long) form."""
import math
import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.tables.table_cells import UNITS
from schemas import Text

METHODS = ("pdfplumber-rules", "pdfplumber-text", "pdfplumber-lines", "html", "tsv", "markdown")
# a cell that is plainly one number: it must have been parsed
PLAIN_NUMBER_RE = re.compile(r"^[+\-\u2212(]?\$?\d{1,3}(?:,\d{3})*(?:\.\d+)?%?\)?$|^[+\-\u2212(]?\$?\d+(?:\.\d+)?%?\)?$")


class Schema(pa.DataFrameModel):
    table_id: Series[Text] = pa.Field(str_matches=r"^t\d{2,}$", description="Table id in document order: t01, t02, ... (tables.table_id)")
    caption: Series[Text] = pa.Field(nullable=True, description="Caption as printed ('Table 2. ...'); empty for a caption-less table")
    row: Series[Text] = pa.Field(description="Row header text; group labels and multi-level stubs joined with ' / '; a repeated label gets ' (2)'")
    column: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Column header text, header levels joined with ' / '; 'value' or 'column N' when the table prints no header")
    value: Series[Text] = pa.Field(description="Cell text as printed (markup removed); empty string for an empty cell")
    number: Series[float] = pa.Field(nullable=True, description="The cell parsed as a number ('$30.1' -> 30.1, '(5.2)' -> -5.2, '31%' -> 31); empty for text, dashes, n/a")
    unit: Series[Text] = pa.Field(nullable=True, isin=UNITS, description="Unit of the number from the cell, column header, units line or caption (USD, USD millions, USD billions, percent, ...); empty when not stated")
    footnote: Series[Text] = pa.Field(nullable=True, str_matches=r"^(?:[a-z]{1,2}|\*{1,3}|\u2020|\u2021)$", description="Footnote marker printed after the number ('$1.4a' -> 'a')")
    source_note: Series[Text] = pa.Field(nullable=True, description="Text after 'Source:' under the table")
    page: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="Page (1-based) where the table starts; empty for text and HTML documents")
    method: Series[Text] = pa.Field(isin=METHODS, description="How the table was read: pdfplumber-rules, pdfplumber-text, html, tsv, markdown")

    @pa.dataframe_check
    def plain_numbers_are_parsed(cls, df: pd.DataFrame) -> pd.Series:
        looks_numeric = df["value"].astype(str).str.replace(" ", "", regex=False).str.match(PLAIN_NUMBER_RE)
        return ~looks_numeric | df["number"].notna()

    @pa.dataframe_check
    def empty_cell_has_no_number(cls, df: pd.DataFrame) -> pd.Series:
        return (df["value"] != "") | df["number"].isna()

    @pa.dataframe_check
    def unit_only_with_number(cls, df: pd.DataFrame) -> pd.Series:
        return df["unit"].isna() | df["number"].notna()

    @pa.check("number")
    def number_is_finite(cls, number: Series[float]) -> Series[bool]:
        return number.isna() | number.map(lambda x: math.isfinite(x) if pd.notna(x) else True)

    class Config:
        strict = True
        coerce = True
        unique = ["table_id", "row", "column"]


COLUMNS = tuple(Schema.to_schema().columns)
