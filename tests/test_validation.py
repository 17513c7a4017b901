"""Validation never costs a whole edition for a few rows: failing rows are kept aside in rejected_rows,
counted once per row; a dataset-level failure still refuses the edition."""
from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from flows.errors import ValidationFailedError
from flows.pipeline.extract import extract_edition, validate_datasets
from flows.store.publish import catalog_frame, publish_edition
from flows.store.raw_store import sha256_of
from schemas import EXTRACTED_DATASETS
from schemas.rejected_rows import rows_rejected
from tests.corpus_paths import CORPUS

SOURCE = CORPUS / "markdown" / "IF10753v7-energy-star-program.md"


@pytest.fixture(scope="module")
def extracted():
    data = SOURCE.read_bytes()
    return extract_edition(data, sha256_of(data), SOURCE.name, report_id_override=None, nlp_model=None, max_pages=50)


def extracted_frames(extracted) -> dict[str, pd.DataFrame]:
    return {name: extracted.datasets[name] for name in EXTRACTED_DATASETS}


def with_unparsed_number(cells: pd.DataFrame) -> pd.DataFrame:
    """A real cell of the report, printed as a plain number that was not parsed (the 13 cells that once refused a 38-page report)."""
    bad = cells.iloc[[0]].assign(row="A row nobody parsed", value="1,234", number=float("nan"), unit=None)
    return pd.concat([cells, bad], ignore_index=True)


def test_the_real_report_validates_with_nothing_rejected(extracted):
    assert len(extracted.datasets["table_cells"]) > 10
    assert extracted.datasets["rejected_rows"].empty


def test_a_bad_row_is_kept_aside_and_the_rest_published(extracted):
    frames = extracted_frames(extracted)
    frames["table_cells"] = with_unparsed_number(frames["table_cells"])
    validated = validate_datasets(frames, SOURCE.name)
    assert len(validated["table_cells"]) == len(frames["table_cells"]) - 1
    assert "A row nobody parsed" not in set(validated["table_cells"]["row"])
    rejected = validated["rejected_rows"]
    # a whole-row check is reported by pandera once per column; here it is one row, one record
    assert len(rejected) == 1 and rows_rejected(rejected) == 1
    record = rejected.iloc[0]
    assert (record["dataset"], record["row"], record["check"]) == ("table_cells", len(frames["table_cells"]) - 1, "plain_numbers_are_parsed")
    assert json.loads(record["row_json"])["value"] == "1,234"
    for name in EXTRACTED_DATASETS:
        if name != "table_cells":
            assert len(validated[name]) == len(frames[name]), name


def test_a_column_check_names_its_column_and_value(extracted):
    frames = extracted_frames(extracted)
    cells = frames["table_cells"]
    frames["table_cells"] = pd.concat([cells, cells.iloc[[0]].assign(row="Footnoted", footnote="QQQ")], ignore_index=True)
    rejected = validate_datasets(frames, SOURCE.name)["rejected_rows"]
    assert rejected[["column", "failing_value"]].values.tolist() == [["footnote", "QQQ"]]


def test_a_row_failing_two_checks_is_counted_once(extracted):
    frames = extracted_frames(extracted)
    cells = with_unparsed_number(frames["table_cells"])
    cells.loc[len(cells) - 1, "footnote"] = "QQQ"
    frames["table_cells"] = cells
    rejected = validate_datasets(frames, SOURCE.name)["rejected_rows"]
    assert len(rejected) == 2
    assert rows_rejected(rejected) == 1


@pytest.mark.parametrize("break_it", [
    lambda f: {**f, "table_cells": f["table_cells"].drop(columns=["unit"])},            # missing column
    lambda f: {**f, "table_cells": f["table_cells"].assign(page="first")},              # wrong type
    lambda f: {**f, "documents": f["documents"].iloc[0:0]},                             # no document row
    lambda f: {**f, "documents": f["documents"].assign(report_id="not an id")},        # its only row rejected
])
def test_a_dataset_level_failure_refuses_the_edition(extracted, break_it):
    with pytest.raises(ValidationFailedError) as caught:
        validate_datasets(break_it(extracted_frames(extracted)), SOURCE.name)
    assert "nothing published" in caught.value.reason
    assert not caught.value.report.empty


def test_rejected_rows_are_published_and_counted(extracted, tmp_path):
    frames = extracted_frames(extracted)
    frames["table_cells"] = with_unparsed_number(frames["table_cells"])
    edition = replace(extracted, datasets=validate_datasets(frames, SOURCE.name))
    published = publish_edition(tmp_path, edition)
    assert published.status == "published"
    manifest = json.loads((published.path / "manifest.json").read_text())
    assert manifest["rows_rejected"] == 1
    assert manifest["files"]["rejected_rows.csv"]["rows"] == 1
    on_disk = pd.read_parquet(published.path / "rejected_rows.parquet")
    assert on_disk["check"].tolist() == ["plain_numbers_are_parsed"]
    assert len(pd.read_csv(published.path / "table_cells.csv")) == len(frames["table_cells"]) - 1
    catalog = catalog_frame(tmp_path)
    assert catalog["rows_rejected"].tolist() == [1]
    assert catalog["rows"].tolist() == [sum(n for name, n in manifest["rows"].items() if name != "rejected_rows")]


def test_an_empty_dataset_is_refused_for_a_missing_column_even_after_a_complete_one_passed(extracted):
    """Empty frames' outcomes are kept by shape: a different shape must be validated again."""
    frames = extracted_frames(extracted)
    complete = {**frames, "trade_flows": frames["trade_flows"].iloc[0:0]}
    assert validate_datasets(complete, SOURCE.name)["trade_flows"].empty
    missing = {**frames, "trade_flows": frames["trade_flows"].iloc[0:0].drop(columns=["partner"])}
    with pytest.raises(ValidationFailedError) as caught:
        validate_datasets(missing, SOURCE.name)
    assert "partner" in caught.value.report["failure_case"].astype(str).tolist()


def test_an_empty_dataset_is_handed_out_as_its_own_copy(extracted):
    frames = {**extracted_frames(extracted), "footnotes": extracted.datasets["footnotes"].iloc[0:0]}
    first = validate_datasets(frames, SOURCE.name)
    dtypes = list(first["footnotes"].dtypes.astype(str))
    first["footnotes"].loc[0] = [1, "1", "changed after publishing", None, None]
    first["rejected_rows"].loc[0] = ["sections", 0, None, "a check", None, "{}"]
    second = validate_datasets(frames, SOURCE.name)
    assert second["footnotes"].empty and second["rejected_rows"].empty
    assert list(second["footnotes"].dtypes.astype(str)) == dtypes
