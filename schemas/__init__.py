"""One pandera DataFrameModel per published dataset.

Each module ``schemas/<dataset>.py`` defines ``Schema`` (a pandera DataFrameModel whose every
column has a ``description``) and ``COLUMNS`` (the column order as published). The registry is
lazy so a dataset module is imported only when used.
"""
from __future__ import annotations

import importlib
from types import ModuleType

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
