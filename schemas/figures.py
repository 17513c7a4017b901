"""figures: numeric statements in the report text (money, percentages, counts, ranks, fractions)."""
import math

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.figure_vocabulary import KINDS, PERS, QUALIFIERS, UNITS
from schemas import Text


class Schema(pa.DataFrameModel):
    text: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The figure as printed in the section text, with its qualifier and 'per' phrase")
    kind: Series[Text] = pa.Field(isin=KINDS, description="money, percent, count (incl. distances/quantities), rank, fraction, or other (durations)")
    value: Series[float] = pa.Field(description="The number, fully scaled ($1.8 trillion -> 1.8e12; a quarter -> 0.25; sixth-largest -> 6); the low end of a range; negative only for a change printed with a minus sign ('(-74%)' -> -74)")
    value_high: Series[float] = pa.Field(nullable=True, ge=0, description="High end of a range ('20%-30%' -> 30); empty when not a range")
    unit: Series[Text] = pa.Field(isin=UNITS, description="Unit from a fixed list: USD, percent, percentage points, persons, countries, miles, rank, fraction, ...")
    per: Series[Text] = pa.Field(nullable=True, isin=PERS, description="Rate denominator ('per year' -> year, 'per capita' -> capita); empty when none")
    qualifier: Series[Text] = pa.Field(nullable=True, isin=QUALIFIERS, description="Hedge or bound before the number (about, roughly, over, more than, at least, ...); empty when none")
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1789, le=2100, description="Year the sentence ties the figure to ('in 2023', 'FY2024' -> 2024); empty when not said nearby")
    subject: Series[Text] = pa.Field(nullable=True, description="Short noun phrase saying what is measured ('U.S. troops', \"Japan's total land area\"), by simple rules; empty when unclear")
    section_id: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Section the figure was found in (sections.section_id)")
    sentence: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The sentence containing the figure")
    char_start: Series[int] = pa.Field(ge=0, description="Start offset of text in the section text")
    char_end: Series[int] = pa.Field(ge=1, description="End offset (exclusive) of text in the section text")
    method: Series[Text] = pa.Field(str_startswith="rule:", description="Rule that produced the row, e.g. rule:money, rule:percent, rule:count")

    @pa.dataframe_check
    def range_is_ordered(cls, df: pd.DataFrame) -> pd.Series:
        return df["value_high"].isna() | (df["value_high"] >= df["value"])

    @pa.dataframe_check
    def negative_only_when_printed(cls, df: pd.DataFrame) -> pd.Series:
        return (df["value"] >= 0) | df["text"].astype(str).str.match(r"^[-\u2212]")

    @pa.dataframe_check
    def span_is_positive(cls, df: pd.DataFrame) -> pd.Series:
        return df["char_end"] > df["char_start"]

    @pa.check("value")
    def value_is_finite(cls, value: Series[float]) -> Series[bool]:
        return value.map(math.isfinite)

    @pa.dataframe_check
    def fraction_below_one(cls, df: pd.DataFrame) -> pd.Series:
        return (df["kind"] != "fraction") | (df["value"] < 1)

    @pa.dataframe_check
    def rank_is_whole(cls, df: pd.DataFrame) -> pd.Series:
        return (df["kind"] != "rank") | ((df["value"] >= 1) & (df["value"] % 1 == 0))

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
