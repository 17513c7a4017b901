"""cell_history: the life of every table cell of a report, one row per fact per edition (processed/<REPORT_ID>/history/)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.fact_identity import STATUSES
from extractors.identity import REPORT_ID_RE
from extractors.tables.table_cells import UNITS
from schemas import Text
from schemas.figure_history import DATE_PATTERN, EDITION_PATTERN, Schema as FigureHistory

COMMON = FigureHistory.to_schema().columns


class Schema(pa.DataFrameModel):
    report_id: Series[Text] = pa.Field(str_matches=REPORT_ID_RE.pattern, description=COMMON["report_id"].description)
    fact_id: Series[Text] = pa.Field(str_matches=r"^cell-[0-9a-f]{12}$", description="The fact's id, the same in every edition (from the report and the table, row and column where it first appears)")
    edition: Series[Text] = pa.Field(str_matches=EDITION_PATTERN, description=COMMON["edition"].description)
    date: Series[Text] = pa.Field(str_matches=DATE_PATTERN, description=COMMON["date"].description)
    version: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description=COMMON["version"].description)
    status: Series[Text] = pa.Field(isin=STATUSES, description="new (first edition that prints it), same (same number, or same text for a text cell), changed, dropped (first edition without it, also when the table is only an image there; no row after that)")
    label: Series[Text] = pa.Field(str_length={"min_value": 1}, description="'caption without number and year / row / column', as first printed")
    table_id: Series[Text] = pa.Field(nullable=True, str_matches=r"^t\d{2,}$", description="Table id in this edition (table_cells.table_id); empty when dropped")
    caption: Series[Text] = pa.Field(nullable=True, description="Table caption as printed in this edition (the last one printed when dropped)")
    row: Series[Text] = pa.Field(description="Row header text in this edition")
    column: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Column header text in this edition")
    text: Series[Text] = pa.Field(nullable=True, description="Cell text as printed; empty when dropped")
    value: Series[float] = pa.Field(nullable=True, description="The cell as a number ('$30.1' -> 30.1); empty for text cells and when dropped")
    unit: Series[Text] = pa.Field(nullable=True, isin=UNITS, description="Unit of the number (USD millions, percent, ...); empty when not stated")

    @pa.dataframe_check
    def printed_unless_dropped(cls, df: pd.DataFrame) -> pd.Series:
        return (df["status"] == "dropped") ^ (df["text"].notna() & df["table_id"].notna())

    class Config:
        strict = True
        coerce = True
        unique = ["fact_id", "edition"]


COLUMNS = tuple(Schema.to_schema().columns)
