"""acronyms: short forms the report defines and their long forms, one row per short form (first definition)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import Text


class Schema(pa.DataFrameModel):
    short: Series[Text] = pa.Field(str_matches=r"^\S{2,12}$", unique=True, description="The short form as defined, without possessive ('LDP', 'CPTPP', 'Quad')")
    long: Series[Text] = pa.Field(str_length={"min_value": 3}, description="The long form as printed, without a leading 'the' or possessive ('Liberal Democratic Party')")
    section_id: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Section of the first definition (sections.section_id)")
    sentence: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The sentence of the first definition")
    char_start: Series[int] = pa.Field(ge=0, description="Start offset of the definition (the long form, or the parenthesis when the long form is inside it) in the section text")
    char_end: Series[int] = pa.Field(ge=1, description="End offset (exclusive) of the definition, after the closing parenthesis")
    method: Series[Text] = pa.Field(str_startswith="rule:", description="rule:acronym-long-before (Long Form (ABBR)), rule:acronym-long-inside ((known as the Long Form, or ABBR)), rule:acronym-quoted (Long Form (\"the Nick\"))")

    @pa.dataframe_check
    def span_is_positive(cls, df: pd.DataFrame) -> pd.Series:
        return df["char_end"] > df["char_start"]

    @pa.dataframe_check
    def long_is_longer(cls, df: pd.DataFrame) -> pd.Series:
        return df["long"].str.len() > df["short"].str.len()

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
