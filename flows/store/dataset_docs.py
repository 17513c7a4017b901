"""docs/datasets.md, written from the pandera schemas so the column docs cannot drift."""
from __future__ import annotations

from pathlib import Path

from schemas import DATASETS, dataset_module

DOCS_PATH = Path(__file__).parents[2] / "docs" / "datasets.md"


def schemas_to_markdown() -> str:
    lines = [
        "# Datasets",
        "",
        "Generated from `schemas/` by `python -m flows.store.dataset_docs`; a test fails when it is stale.",
        "Every published edition folder holds each dataset as `<name>.csv` and `<name>.parquet`.",
        "",
    ]
    for name in DATASETS:
        module = dataset_module(name)
        columns = module.Schema.to_schema().columns
        lines += [f"## {name}", "", (module.__doc__ or "").strip(), "", "| column | type | description |", "| --- | --- | --- |"]
        for column in module.COLUMNS:
            spec = columns[column]
            nullable = ", nullable" if spec.nullable else ""
            lines.append(f"| `{column}` | {spec.dtype}{nullable} | {spec.description or ''} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    DOCS_PATH.write_text(schemas_to_markdown(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
