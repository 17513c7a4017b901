"""rejected_rows: extracted rows that failed a row-level check, kept aside instead of published (one row per failing check of a row)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import Text


class Schema(pa.DataFrameModel):
    dataset: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Dataset the row was extracted for (table_cells, figures, ...)")
    row: Series[int] = pa.Field(ge=0, description="Row number (0-based) in that dataset as extracted, before rejected rows were taken out")
    column: Series[Text] = pa.Field(nullable=True, description="Column whose check failed; empty for a check that reads the whole row")
    check: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Name of the failing pandera check, e.g. plain_numbers_are_parsed, isin(...)")
    failing_value: Series[Text] = pa.Field(nullable=True, description="The failing column's value as text; empty for a whole-row check")
    row_json: Series[Text] = pa.Field(str_startswith="{", description="The whole rejected row as a JSON object")

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)


def rows_rejected(frame: pd.DataFrame | None) -> int:
    """Rejected rows counted once per row, however many of its checks failed."""
    if frame is None or frame.empty:
        return 0
    return int(frame[["dataset", "row"]].drop_duplicates().shape[0])
