"""authors: the people who wrote the edition, in printed order."""
import pandera.pandas as pa
from pandera.typing import Series

from schemas import Text


class Schema(pa.DataFrameModel):
    order: Series[int] = pa.Field(ge=1, unique=True, description="Position in the printed author list, from 1")
    name: Series[Text] = pa.Field(str_length={"min_value": 2, "max_value": 80}, str_matches=r"[A-Za-z]", description="Author name as printed (First Last)")
    role: Series[Text] = pa.Field(nullable=True, description="CRS job title, e.g. 'Specialist in Asian Affairs'; empty when the source does not print it")
    coordinator: Series[bool] = pa.Field(description="True when the author is marked as the coordinator")

    class Config:
        strict = True
        coerce = True


COLUMNS = tuple(Schema.to_schema().columns)
