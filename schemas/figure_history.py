"""figure_history: the life of every figure of a report, one row per fact per edition (processed/<REPORT_ID>/history/)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.fact_identity import STATUSES
from extractors.facts.figure_vocabulary import KINDS, QUALIFIERS, UNITS
from extractors.identity import REPORT_ID_RE
from schemas import Text

EDITION_PATTERN = r"^\d{4}-\d{2}-\d{2}(\.v\d+)?(\.[0-9a-f]{8})?$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class Schema(pa.DataFrameModel):
    report_id: Series[Text] = pa.Field(str_matches=REPORT_ID_RE.pattern, description="CRS product number, e.g. IF10199")
    fact_id: Series[Text] = pa.Field(str_matches=r"^fig-[0-9a-f]{12}$", description="The fact's id, the same in every edition (from the report and where the fact first appears)")
    edition: Series[Text] = pa.Field(str_matches=EDITION_PATTERN, description="Edition key (processed/<REPORT_ID>/<EDITION>/)")
    date: Series[Text] = pa.Field(str_matches=DATE_PATTERN, description="Date of the edition (ISO)")
    version: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="CRS version number of the edition, empty when not printed")
    status: Series[Text] = pa.Field(isin=STATUSES, description="new (first edition that prints it), same (value, range and qualifier as in the edition before), changed, dropped (first edition without it; no row after that)")
    label: Series[Text] = pa.Field(str_length={"min_value": 1}, description="What the fact measures, as first printed: its subject, else the words before it ('… Japan pays ___')")
    text: Series[Text] = pa.Field(nullable=True, description="The figure as printed in this edition; empty when dropped")
    value: Series[float] = pa.Field(nullable=True, description="The number, fully scaled (low end of a range; negative only for a change printed with a minus sign, as in figures); empty when dropped")
    value_high: Series[float] = pa.Field(nullable=True, ge=0, description="High end of a range; empty when not a range")
    unit: Series[Text] = pa.Field(isin=UNITS, description="Unit (USD, percent, persons, ...), as in figures.unit")
    qualifier: Series[Text] = pa.Field(nullable=True, isin=QUALIFIERS, description="Hedge or bound printed before the number (about, over, ...); empty when none")
    kind: Series[Text] = pa.Field(isin=KINDS, description="money, percent, count, rank, fraction or other")
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1789, le=2100, description="Year the sentence ties the figure to; empty when not said or unknown")
    subject: Series[Text] = pa.Field(nullable=True, description="What is measured, by the figure extractor's rules; empty when unclear")
    sentence: Series[Text] = pa.Field(nullable=True, description="The sentence of this edition that prints the figure; empty when dropped")

    @pa.dataframe_check
    def printed_unless_dropped(cls, df: pd.DataFrame) -> pd.Series:
        dropped = df["status"] == "dropped"
        return dropped ^ (df["text"].notna() & df["value"].notna() & df["sentence"].notna())

    @pa.dataframe_check
    def range_is_ordered(cls, df: pd.DataFrame) -> pd.Series:
        return df["value_high"].isna() | (df["value_high"] >= df["value"])

    class Config:
        strict = True
        coerce = True
        unique = ["fact_id", "edition"]


COLUMNS = tuple(Schema.to_schema().columns)
