"""One pandera DataFrameModel per published dataset.

Each module ``schemas/<dataset>.py`` defines ``Schema`` (a pandera DataFrameModel whose every
column has a ``description``) and ``COLUMNS`` (the column order as published). The registry is
lazy so a dataset module is imported only when used.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from pandera import dtypes
from pandera.engines import pandas_engine

# Published datasets, in the order they appear in manifests and docs.
DATASETS: tuple[str, ...] = (
    "documents",
    "authors",
    "sections",
    "footnotes",
    "entities",
    "entity_counts",
    "acronyms",
    "dates",
    "figures",
    "table_cells",
    "trade_flows",
    "tables",
    "rejected_rows",
)
# Datasets the pipeline extracts (rejected_rows is written by validation, from the others).
EXTRACTED_DATASETS: tuple[str, ...] = DATASETS[:-1]

SCHEMA_VERSION = "1"


def dataset_module(name: str) -> ModuleType:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}")
    return importlib.import_module(f"schemas.{name}")


@pandas_engine.Engine.register_dtype
class Text(pandas_engine.STRING):
    """pandas' string dtype, as pandera's ``str`` (the same type, coercion and name,
    ``string[pyarrow]``), checked once per column instead of once per value.

    pandera's STRING answers a column that already has the exact dtype with one True per value,
    and pandera then builds, and prints into a message nobody reads, an empty failure-case table
    for every passing string column: ~0.8 ms of the ~2 ms a one-column string schema costs, ~3,000
    times over the 39 corpus PDFs. Any other dtype is left to STRING, so failures are unchanged."""

    def check(self, pandera_dtype: dtypes.DataType, data_container=None):
        try:
            exact = pandas_engine.Engine.dtype(pandera_dtype).type == self.type
        except TypeError:
            exact = False
        return True if exact else super().check(pandera_dtype, data_container)
