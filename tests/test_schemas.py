"""Every dataset has a schema whose every column is described, and docs/datasets.md is current."""
import pytest

from flows.store.dataset_docs import DOCS_PATH, schemas_to_markdown
from schemas import DATASETS, dataset_module


@pytest.mark.parametrize("name", DATASETS)
def test_every_column_is_described_and_published_in_order(name):
    module = dataset_module(name)
    columns = module.Schema.to_schema().columns
    assert list(module.COLUMNS) == list(columns)
    missing = [c for c, spec in columns.items() if not (spec.description or "").strip()]
    assert missing == []
    assert (module.__doc__ or "").strip()


def test_dataset_docs_are_generated_from_the_schemas():
    assert DOCS_PATH.read_text(encoding="utf-8") == schemas_to_markdown(), "run: python -m flows.store.dataset_docs"
