"""changes: what changed between two editions of one report, one row per change (a fact, a table cell, a sentence)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.diff.comparable_text import CHANGE_DATASETS, CHANGE_KINDS
from schemas import Text


class Schema(pa.DataFrameModel):
    dataset: Series[Text] = pa.Field(isin=CHANGE_DATASETS, description="Dataset the change is about: documents (metadata), authors, sections, figures, tables, table_cells, trade_flows, entities, acronyms, dates")
    change: Series[Text] = pa.Field(isin=CHANGE_KINDS, description="added (only in the newer edition), removed (only in the older), changed (in both, with a different value)")
    key: Series[Text] = pa.Field(str_length={"min_value": 1}, description="What identifies the thing across editions: the metadata field, a figure's subject, 'table / row / column', an entity's canonical name, a section heading, a date span")
    field: Series[Text] = pa.Field(nullable=True, description="Which attribute changed (value, qualifier, year, heading, sentence, label...); for entities the entity label")
    old: Series[Text] = pa.Field(nullable=True, description="Value in the older edition as printed (for sentences: the words that were replaced); empty when added")
    new: Series[Text] = pa.Field(nullable=True, description="Value in the newer edition as printed (for sentences: the replacing words); empty when removed")
    old_context: Series[Text] = pa.Field(nullable=True, description="The older edition's sentence (or caption) around the old value; empty when there is none")
    new_context: Series[Text] = pa.Field(nullable=True, description="The newer edition's sentence (or caption) around the new value; empty when there is none")
    section: Series[Text] = pa.Field(nullable=True, description="Section heading where the change sits (the newer edition's heading when the section exists in both), or the table caption")

    @pa.dataframe_check
    def added_has_no_old_value(cls, df: pd.DataFrame) -> pd.Series:
        return (df["change"] != "added") | (df["old"].isna() & df["new"].notna())

    @pa.dataframe_check
    def removed_has_no_new_value(cls, df: pd.DataFrame) -> pd.Series:
        return (df["change"] != "removed") | (df["new"].isna() & df["old"].notna())

    @pa.dataframe_check
    def changed_values_differ(cls, df: pd.DataFrame) -> pd.Series:
        return (df["change"] != "changed") | (df["old"].fillna("") != df["new"].fillna(""))

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
