"""trade_flows: trade values read from trade tables, one row per partner x flow x year (x product)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from extractors.facts.countries import CANONICAL_NAMES
from extractors.tables.trade_flows import FLOWS, SCOPES
from schemas import Text


class Schema(pa.DataFrameModel):
    reporter: Series[Text] = pa.Field(isin=sorted(CANONICAL_NAMES), description="Country whose trade is reported ('United States' unless the table says otherwise)")
    partner: Series[Text] = pa.Field(isin=sorted(CANONICAL_NAMES), description="Canonical partner country or region name ('UK' -> 'United Kingdom')")
    flow: Series[Text] = pa.Field(isin=FLOWS, description="imports, exports, balance or total, seen from the reporter")
    year: Series[int] = pa.Field(ge=1900, le=2100, description="Year (calendar or fiscal, as the table states)")
    value: Series[float] = pa.Field(description="Value fully scaled in unit ('482' under 'U.S. $ billions' -> 4.82e11); a balance may be negative")
    unit: Series[Text] = pa.Field(isin=["USD"], description="Always USD (values are fully scaled)")
    scope: Series[Text] = pa.Field(nullable=True, isin=SCOPES, description="goods, services, or goods and services, from the caption, units line or headers; empty when not stated")
    product: Series[Text] = pa.Field(nullable=True, description="Product or sector row label when the table is by product; empty otherwise")
    table_id: Series[Text] = pa.Field(str_matches=r"^t\d{2,}$", description="Table the value comes from (tables.table_id)")

    @pa.dataframe_check
    def partner_is_not_reporter(cls, df: pd.DataFrame) -> pd.Series:
        return df["partner"] != df["reporter"]

    @pa.dataframe_check
    def only_balance_is_negative(cls, df: pd.DataFrame) -> pd.Series:
        return (df["flow"] == "balance") | (df["value"] >= 0)

    class Config:
        strict = True
        coerce = True
        unique = ["table_id", "partner", "flow", "year", "product"]


COLUMNS = tuple(Schema.to_schema().columns)
