"""entities: named entities mentioned in the report text (people, organisations, places, laws...), one row per mention."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.entities import KEPT_LABELS
from schemas import Text


class Schema(pa.DataFrameModel):
    text: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The mention as printed in the section text ('LDP', 'U.S.', 'P.L.119-37')")
    label: Series[Text] = pa.Field(isin=KEPT_LABELS, description="Entity type (spaCy/OntoNotes labels): PERSON, ORG, GPE, LOC, NORP, LAW, EVENT, FAC, PRODUCT, WORK_OF_ART, LANGUAGE; numeric types are left to the dates/figures datasets")
    norm: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Canonical name: gazetteer name ('U.S.' -> 'United States', 'PRC' -> 'China'), the long form of an acronym ('LDP' -> 'Liberal Democratic Party'), the full name of a surname ('Kishida' -> 'Fumio Kishida'), canonical bill spacing ('P.L. 118-31'), else the text without a leading 'the' or possessive")
    section_id: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Section the mention was found in (sections.section_id)")
    sentence: Series[Text] = pa.Field(str_length={"min_value": 1}, description="The sentence containing the mention")
    char_start: Series[int] = pa.Field(ge=0, description="Start offset of text in the section text")
    char_end: Series[int] = pa.Field(ge=1, description="End offset (exclusive) of text in the section text")
    method: Series[Text] = pa.Field(str_length={"min_value": 1}, description="What produced the row: the spaCy model name (e.g. en_core_web_sm), or a rule: rule:law, rule:gazetteer, rule:acronym, rule:compound-split")

    @pa.dataframe_check
    def span_is_positive(cls, df: pd.DataFrame) -> pd.Series:
        return df["char_end"] > df["char_start"]

    @pa.dataframe_check
    def text_matches_span_length(cls, df: pd.DataFrame) -> pd.Series:
        return df["text"].str.len() == df["char_end"] - df["char_start"]

    @pa.dataframe_check
    def single_line_names_with_letters(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["text"].str.contains("\n", regex=False) & df["norm"].str.contains(r"[A-Za-z]", regex=True)

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
