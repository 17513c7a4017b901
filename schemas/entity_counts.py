"""entity_counts: how often each entity (norm, label) is mentioned in a report; most mentioned first."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.entities import KEPT_LABELS
from schemas import Text


class Schema(pa.DataFrameModel):
    norm: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Canonical entity name (entities.norm)")
    label: Series[Text] = pa.Field(isin=KEPT_LABELS, description="Entity type (entities.label)")
    mentions: Series[int] = pa.Field(ge=1, description="Number of mentions (entities rows) with this norm and label in the report")
    first_section_id: Series[Text] = pa.Field(str_length={"min_value": 1}, description="Section of the first mention (sections.section_id)")

    @pa.dataframe_check
    def one_row_per_entity(cls, df: pd.DataFrame) -> pd.Series:
        return ~df.duplicated(subset=["norm", "label"], keep=False)

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
