"""processed/all/<dataset>.parquet: every edition's rows of one dataset in one Parquet file.

For analysts: `duckdb -c "select * from 'processed/all/figures.parquet'"` or `pandas.read_parquet`
reads the whole archive at once; report_id and edition are the first columns (changes.parquet: every
published diff, with report_id, from_edition and to_edition first). Column types come from the
pandera schemas, so every edition's rows share one Arrow schema.

Each file records which editions it holds (with their manifest sha256) in its Parquet metadata; an
update keeps the rows of unchanged editions as they are, adds the new ones and drops the replaced or
removed ones, and the file is written beside its final place and renamed over it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.browse.database import (
    CHANGES_KEY, EDITION_KEY, dataset_columns, diff_frame, edition_frame, published_diffs, published_editions, schema_module,
)
from flows.store.raw_store import write_atomically
from schemas import DATASETS

ARCHIVE_FOLDER = "all"
CONTENTS_KEY = b"crsdata.contents"   # Parquet metadata: {"<report>/<edition>": manifest sha256}
ARROW_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


@dataclass
class ArchiveReport:
    folder: Path
    written: list[str] = field(default_factory=list)     # dataset files rewritten
    unchanged: list[str] = field(default_factory=list)
    added: set[str] = field(default_factory=set)         # editions (and diffs) read from their folders


def archive_path(processed: Path, name: str) -> Path:
    return processed / ARCHIVE_FOLDER / f"{name}.parquet"


def arrow_schema(name: str) -> pa.Schema:
    """The dataset's Arrow schema, with pandas metadata from the pandera dtypes, so pandas reads the
    archive with the dtypes of the edition files (a nullable year stays Int64, not float)."""
    dtypes = {column: str(spec.dtype) for column, spec in schema_module(name).Schema.to_schema().columns.items()}
    schema = pa.schema([(column, ARROW_TYPES[kind]) for column, kind in dataset_columns(name).items()])
    empty = pd.DataFrame({column: pd.Series([], dtype=dtypes.get(column, "string[pyarrow]")) for column in schema.names})
    return pa.Table.from_pandas(empty, schema=schema, preserve_index=False).schema


def frame_to_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def table_keys(table: pa.Table, key_columns: tuple[str, ...]) -> pa.ChunkedArray:
    """'<report>/<edition>' (or '<report>/<from>__<to>' for changes) for every row."""
    if key_columns == CHANGES_KEY:
        pair = pc.binary_join_element_wise(table["from_edition"], table["to_edition"], "__")
        return pc.binary_join_element_wise(table["report_id"], pair, "/")
    return pc.binary_join_element_wise(table["report_id"], table["edition"], "/")


def archive_contents(path: Path) -> dict[str, str] | None:
    """What an archive file holds, from its metadata; None when missing or not ours."""
    if not path.exists():
        return None
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid):
        return None
    return json.loads(metadata[CONTENTS_KEY]) if CONTENTS_KEY in metadata else None


def updated_table(old: pa.Table | None, keep: set[str], added: list[pa.Table], schema: pa.Schema, key_columns) -> pa.Table:
    """Rows of `old` whose key is in `keep`, then the added tables: the archive after an update."""
    parts = []
    if old is not None and keep:
        parts.append(old.filter(pc.is_in(table_keys(old, key_columns), value_set=pa.array(sorted(keep)))))
    parts.extend(added)
    return pa.concat_tables(parts) if parts else schema.empty_table()


def write_archive(path: Path, table: pa.Table, schema: pa.Schema, contents: dict[str, str]) -> None:
    metadata = {**(schema.metadata or {}), CONTENTS_KEY: json.dumps(contents, sort_keys=True).encode()}
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(metadata), sink, compression="zstd")
    write_atomically(path, sink.getvalue().to_pybytes())


def refresh_file(path: Path, name: str, key_columns, wanted: dict[str, str], load, rebuild: bool) -> list[str]:
    """Bring one archive file to `wanted` ({key: manifest sha}); `load(key)` gives a new key's rows as a
    DataFrame. Returns the keys read from their folders (nothing when the file was up to date)."""
    held = None if rebuild else archive_contents(path)
    if held == wanted:
        return []
    schema = arrow_schema(name)
    keep = {key for key, sha in (held or {}).items() if wanted.get(key) == sha}
    old = pq.read_table(path, schema=schema) if keep else None
    new_keys = [key for key in sorted(wanted) if key not in keep]
    added = [frame_to_table(load(key), schema) for key in new_keys]
    write_archive(path, updated_table(old, keep, added, schema, key_columns), schema, wanted)
    return new_keys or ["(removed)"]


def refresh_archive(processed: Path, *, rebuild: bool = False) -> ArchiveReport:
    """Every dataset file and changes.parquet up to date with the published folders (caller holds the lock)."""
    report = ArchiveReport(processed / ARCHIVE_FOLDER)
    editions = {f"{e.report_id}/{e.edition}": e for e in published_editions(processed)}
    diffs = {f"{d.report_id}/{d.from_edition}__{d.to_edition}": d for d in published_diffs(processed)}
    wanted = {key: e.manifest_sha256 for key, e in editions.items()}
    for name in DATASETS:
        added = refresh_file(
            archive_path(processed, name), name, EDITION_KEY, wanted, lambda key, name=name: edition_frame(editions[key], name), rebuild,
        )
        (report.written if added else report.unchanged).append(name)
        report.added.update(key for key in added if key in editions)
    wanted_diffs = {key: d.manifest_sha256 for key, d in diffs.items()}
    added = refresh_file(archive_path(processed, "changes"), "changes", CHANGES_KEY, wanted_diffs, lambda key: diff_frame(diffs[key]), rebuild)
    (report.written if added else report.unchanged).append("changes")
    report.added.update(key for key in added if key in diffs)
    return report
