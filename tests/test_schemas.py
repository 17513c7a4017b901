"""Every dataset has a schema whose every column is described, and docs/datasets.md is current."""
import pandas as pd
import pandera.errors
import pytest
from pandera.engines import pandas_engine

from flows.store.dataset_docs import DOCS_PATH, schemas_to_markdown
from schemas import DATASETS, Text, dataset_module


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


def test_text_columns_have_pandas_string_dtype_and_pandera_str_name():
    """schemas.Text only checks faster: the published dtype and its name are pandera's str."""
    pandera_str = pandas_engine.Engine.dtype(str)
    spec = dataset_module("authors").Schema.to_schema().columns["name"]
    assert isinstance(spec.dtype, Text)
    assert str(spec.dtype) == str(pandera_str)
    assert spec.dtype.type == pandera_str.type


def test_a_text_column_is_coerced_and_refused_like_pandera_str():
    schema = dataset_module("authors").Schema.to_schema()
    numbers = pd.DataFrame({"order": [1], "name": ["Ann Lee"], "role": pd.Series([12345], dtype=object), "coordinator": [False]})
    assert schema.validate(numbers)["role"].tolist() == ["12345"]
    missing = numbers.assign(name=pd.Series([None], dtype=object))
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        schema.validate(missing, lazy=True)
    assert caught.value.failure_cases["check"].tolist() == ["not_nullable"]
