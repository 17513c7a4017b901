"""dates: date expressions in the report text, normalised to ISO start/end dates."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.dates import GRANULARITIES
from schemas import Text

ISO_DATE = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


class Schema(pa.DataFrameModel):
    text: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The date expression as printed ('November 5, 2024', 'FY2024', 'the early 2010s')")
    start: Series[Text] = pa.Field(str_matches=ISO_DATE, description="First day the expression covers, ISO YYYY-MM-DD")
    end: Series[Text] = pa.Field(str_matches=ISO_DATE, description="Last day the expression covers, ISO YYYY-MM-DD (FY2024 -> 2024-09-30)")
    granularity: Series[Text] = pa.Field(isin=GRANULARITIES, description="day, day range, month, season, quarter, year, year range, fiscal year (U.S. federal, Oct-Sep), fiscal year range, decade, decade part (early 0-3, mid 4-6, late 7-9)")
    inferred_year: Series[bool] = pa.Field(description="True when the text gives no year ('October 27') and the year was taken from the report's date")
    section_id: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Section the date was found in (sections.section_id)")
    sentence: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The sentence containing the date")
    char_start: Series[int] = pa.Field(ge=0, description="Start offset of text in the section text")
    char_end: Series[int] = pa.Field(ge=1, description="End offset (exclusive) of text in the section text")
    method: Series[Text] = pa.Field(str_startswith="rule:", description="Rule that produced the row, e.g. rule:day, rule:fiscal_year, rule:year")

    @pa.dataframe_check
    def start_not_after_end(cls, df: pd.DataFrame) -> pd.Series:
        return df["start"] <= df["end"]  # ISO strings order like the dates they spell

    @pa.dataframe_check
    def dates_exist(cls, df: pd.DataFrame) -> pd.Series:
        return pd.to_datetime(df["start"], format="%Y-%m-%d", errors="coerce").notna() & pd.to_datetime(df["end"], format="%Y-%m-%d", errors="coerce").notna()

    @pa.dataframe_check
    def span_is_positive(cls, df: pd.DataFrame) -> pd.Series:
        return df["char_end"] > df["char_start"]

    @pa.dataframe_check
    def single_day_is_one_day(cls, df: pd.DataFrame) -> pd.Series:
        return (df["granularity"] != "day") | (df["start"] == df["end"])

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
