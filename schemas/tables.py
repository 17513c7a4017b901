"""tables: one row per table or image-only figure, so users know what the document holds."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.tables.table_cells import UNITS
from schemas import Text
from schemas.table_cells import METHODS

KINDS = ("table", "figure_without_data")


class Schema(pa.DataFrameModel):
    table_id: Series[Text] = pa.Field(str_matches=r"^[tf]\d{2,}$", unique=True, description="t01, t02... for tables, f01, f02... for figures, in document order")
    caption: Series[Text] = pa.Field(nullable=True, description="Caption as printed ('Table 2. ...', 'Figure 1. ...')")
    kind: Series[Text] = pa.Field(isin=KINDS, description="'table' (cells in table_cells) or 'figure_without_data' (an image or chart, no cells)")
    rows: Series[int] = pa.Field(ge=0, description="Number of distinct data rows (header rows and group labels excluded)")
    columns: Series[int] = pa.Field(ge=0, description="Number of value columns (row-header columns excluded)")
    cells: Series[int] = pa.Field(ge=0, description="Number of rows this table contributes to table_cells")
    unit: Series[Text] = pa.Field(nullable=True, isin=UNITS, description="The unit shared by all numeric cells; empty when mixed or not stated")
    units_note: Series[Text] = pa.Field(nullable=True, description="Units line as printed under the caption ('(in millions of dollars)')")
    source_note: Series[Text] = pa.Field(nullable=True, description="Text after 'Source:' under the table or figure")
    page: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="Page (1-based) where it starts; empty for text and HTML documents")
    method: Series[Text] = pa.Field(isin=METHODS + ("figure",), description="How it was read (see table_cells.method); 'figure' for a figure")

    @pa.dataframe_check
    def figures_have_no_cells(cls, df: pd.DataFrame) -> pd.Series:
        return (df["kind"] == "table") | ((df["cells"] == 0) & (df["rows"] == 0))

    @pa.dataframe_check
    def ids_match_kind(cls, df: pd.DataFrame) -> pd.Series:
        return (df["kind"] == "table") == df["table_id"].str.startswith("t")

    @pa.dataframe_check
    def cells_fit_grid(cls, df: pd.DataFrame) -> pd.Series:
        return df["cells"] <= df["rows"] * df["columns"]

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
