"""One document through every stage: bytes -> parsed -> identity -> datasets -> validated.

Runs inside a worker process (see flows/pipeline/workers.py); returns DataFrames, writes nothing.
"""
from __future__ import annotations

import copy
import functools
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.errors

from extractors.authors import blocks_to_authors
from extractors.identity import Identity, IdentityError, hints_to_identity
from extractors.section_text import ExtractionContext, SectionText
from extractors.sections import blocks_to_sections, content_sections, footnotes_to_rows, sections_to_rows
from flows import __version__
from flows.errors import BadInputError, ValidationFailedError
from flows.pipeline.ingest import bytes_to_document
from schemas import EXTRACTED_DATASETS, dataset_module


@dataclass
class ExtractedEdition:
    identity: Identity
    source_sha256: str
    source_name: str
    datasets: dict[str, pd.DataFrame]
    seconds: dict[str, float] = field(default_factory=dict)
    pages: int = 1


class StageClock:
    """Seconds per stage, so the benchmark can show where time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


def records_to_frame(name: str, records: list[dict]) -> pd.DataFrame:
    columns = list(dataset_module(name).COLUMNS)
    frame = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns)
    return frame[columns]


# pandera checks that say the column itself is wrong (its type), not one row of it
TYPE_CHECK_PREFIXES = ("coerce_dtype(", "dtype(")


def failure_cases_to_dataset_level(cases: pd.DataFrame) -> pd.DataFrame:
    """Failures no row can be blamed for: a missing column, a wrong type, a check that could not run."""
    no_row = cases["index"].isna()
    wrong_type = cases["check"].astype(str).str.startswith(TYPE_CHECK_PREFIXES)
    return cases[no_row | wrong_type]


def failure_cases_to_rejected(name: str, frame: pd.DataFrame, cases: pd.DataFrame) -> list[dict]:
    """One record per (row, check): a whole-row check is reported by pandera once per column of the
    row, and counting those as separate failures made 13 bad table cells read as '104 failing checks'."""
    records: list[dict] = []
    seen: set[tuple[int, str]] = set()
    for case in cases.itertuples(index=False):
        row, check = int(case.index), str(case.check)
        if (row, check) in seen:
            continue
        seen.add((row, check))
        is_column_check = case.schema_context == "Column"
        records.append({
            "dataset": name,
            "row": row,
            "column": str(case.column) if is_column_check else None,
            "check": check,
            "failing_value": None if not is_column_check or pd.isna(case.failure_case) else str(case.failure_case),
            "row_json": frame.loc[row].to_json(default_handler=str),
        })
    return records


FrameOutcome = tuple[pd.DataFrame, list[dict], pd.DataFrame | None]

# Outcomes of validating an empty frame, by (dataset, columns, dtypes): pandera reads no value of an
# empty frame, so nothing else can change its outcome, and a short product leaves a quarter of its
# datasets empty (71 of 288 on the 24 IF/IN/LSB corpus PDFs: footnotes, tables, trade flows), each
# costing ~0.5 ms per column in pandera.
_EMPTY_FRAME_OUTCOMES: dict[tuple, FrameOutcome] = {}


def validate_frame(name: str, frame: pd.DataFrame) -> FrameOutcome:
    """(valid rows, rejected-row records, dataset-level failures or None) for one dataset."""
    frame = frame.reset_index(drop=True)
    if len(frame.index):
        return frame_to_outcome(name, frame)
    shape = (name, tuple(frame.columns), tuple(frame.dtypes))
    if shape not in _EMPTY_FRAME_OUTCOMES:
        _EMPTY_FRAME_OUTCOMES[shape] = frame_to_outcome(name, frame)
    return outcome_to_copy(_EMPTY_FRAME_OUTCOMES[shape])


def outcome_to_copy(outcome: FrameOutcome) -> FrameOutcome:
    """A kept outcome handed out again: its frames are copied so no edition shares them with another."""
    valid, rejected, dataset_level = outcome
    return valid.copy(), list(rejected), None if dataset_level is None else dataset_level.copy()


def frame_to_outcome(name: str, frame: pd.DataFrame) -> FrameOutcome:
    """validate_frame's answer from pandera, for a frame with a 0..n-1 index."""
    schema = dataset_module(name).Schema.to_schema()
    try:
        return schema.validate(frame, lazy=True), [], None
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    dataset_level = failure_cases_to_dataset_level(cases)
    if not dataset_level.empty:
        return frame, [], dataset_level
    # pandera's own row filter: the same checks, failing rows dropped instead of raised (on a copy:
    # to_schema() is cached, and the model itself must keep raising)
    dropping = copy.copy(schema)
    dropping.drop_invalid_rows = True
    valid = dropping.validate(frame, lazy=True).reset_index(drop=True)
    return valid, failure_cases_to_rejected(name, frame, cases.dropna(subset=["index"])), None


def validate_datasets(datasets: dict[str, pd.DataFrame], subject: str) -> dict[str, pd.DataFrame]:
    """Validate every dataset. Rows that fail a row-level check are kept aside in ``rejected_rows``
    and the rest is published; a dataset-level failure (missing column, wrong type, no document
    row) refuses the whole edition, with every failing check in the error's report."""
    validated: dict[str, pd.DataFrame] = {}
    rejected: list[dict] = []
    failures: list[pd.DataFrame] = []
    for name, frame in datasets.items():
        valid, rejected_here, dataset_level = validate_frame(name, frame)
        validated[name] = valid
        rejected += rejected_here
        if dataset_level is not None:
            failures.append(dataset_level.assign(dataset=name))
    if not failures and "documents" in validated and len(validated["documents"]) != 1:
        failures.append(pd.DataFrame([{
            "dataset": "documents", "column": "documents", "check": "one_document_row",
            "failure_case": f"{len(validated['documents'])} valid rows", "index": None,
        }]))
    if failures:
        report = pd.concat(failures, ignore_index=True)
        report = report[["dataset"] + [c for c in report.columns if c != "dataset"]]
        checks = ", ".join(sorted({f"{d}.{c}" for d, c in zip(report["dataset"], report["column"].astype(str))}))
        error = ValidationFailedError(subject, f"{len(report)} failing checks ({checks}); nothing published")
        error.report = report
        raise error
    validated["rejected_rows"] = rejected_to_frame(rejected) if rejected else empty_rejected_rows().copy()
    return validated


def rejected_to_frame(rejected: list[dict]) -> pd.DataFrame:
    """Not lazy: a rejected-row record that fails its own schema is a bug, and must raise."""
    return dataset_module("rejected_rows").Schema.validate(records_to_frame("rejected_rows", rejected))


@functools.cache
def empty_rejected_rows() -> pd.DataFrame:
    """rejected_to_frame([]), the answer for nearly every edition, validated once per process."""
    return rejected_to_frame([])


def document_row(identity: Identity, parsed, sha: str, name: str, identity_source: str) -> dict:
    return {
        "report_id": identity.report_id,
        "edition": identity.edition,
        "version": identity.version,
        "product_type": identity.product_type,
        "title": identity.title,
        "date": identity.date.isoformat(),
        "status": parsed.hints.get("status") or None,
        "pages": parsed.pages,
        "source_format": parsed.source_format,
        "source_sha256": sha,
        "source_name": name,
        "identity_source": identity_source,
        "pipeline_version": __version__,
    }


def sections_to_texts(sections, nlp_model: str | None) -> tuple[list[SectionText], list, str]:
    """One spaCy pass over the content sections gives sentences (for provenance) and entities."""
    from extractors.facts import nlp

    pipeline = nlp.load_pipeline(nlp_model)
    content = content_sections(sections)
    docs = nlp.texts_to_docs(pipeline, [s.text for s in content])
    texts = [
        SectionText(s.section_id, s.heading, s.text, nlp.doc_to_sentence_spans(doc)) for s, doc in zip(content, docs)
    ]
    return texts, docs, pipeline.meta.get("lang", "en") + "_" + pipeline.meta["name"]


def hints_to_cover_date_text(hints: dict) -> str | None:
    """The date line as the document prints it; a reader that keeps only the parsed date (the
    HTML page's "Updated <date> (ID)" line) gets it back in the same US form CRS prints."""
    if hints.get("date_text"):
        return hints["date_text"]
    if not hints.get("date"):
        return None
    day = date.fromisoformat(hints["date"])
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def fact_datasets(
    texts: list[SectionText], docs: list, model_name: str, ctx: ExtractionContext, clock: StageClock, cover_date_text: str | None = None
) -> dict[str, list[dict]]:
    from extractors.facts import acronyms, dates, entities, figures

    acronym_rows = acronyms.sections_to_acronyms(texts)
    entity_rows = entities.sections_to_entities(texts, docs, acronym_rows, model_name)
    clock.lap("ner")
    out = {
        "acronyms": acronym_rows,
        "entities": entity_rows,
        "entity_counts": entities.entities_to_counts(entity_rows),
        "dates": dates.cover_to_dates(cover_date_text, ctx) + dates.sections_to_dates(texts, ctx),
        "figures": figures.sections_to_figures(texts, ctx),
    }
    clock.lap("other_extractors")
    return out


def table_datasets(parsed) -> dict[str, list[dict]]:
    from extractors.tables import table_cells, trade_flows

    cells, index = table_cells.tables_to_cells(parsed.tables, parsed.figures)
    return {"table_cells": cells, "tables": index, "trade_flows": trade_flows.cells_to_trade_flows(cells, index)}


def extract_edition(
    data: bytes, sha: str, name: str, *, report_id_override: str | None, nlp_model: str | None, max_pages: int
) -> ExtractedEdition:
    clock = StageClock()
    parsed = bytes_to_document(data, name, max_pages)
    clock.lap("parse")
    try:
        identity = hints_to_identity(parsed.hints, report_id_override=report_id_override, filename=Path(name).name)
    except IdentityError as exc:
        raise BadInputError(name, str(exc)) from None
    identity_source = (
        "document" if parsed.hints.get("report_id") else "report-id option" if report_id_override else "file name"
    )
    sections = blocks_to_sections(parsed.blocks)
    if not content_sections(sections):
        raise BadInputError(name, "no content sections found (is this a CRS product?)")
    records: dict[str, list[dict]] = {
        "documents": [document_row(identity, parsed, sha, Path(name).name, identity_source)],
        "authors": blocks_to_authors(parsed.blocks, parsed.hints.get("authors")),
        "sections": sections_to_rows(sections),
        "footnotes": footnotes_to_rows(parsed.footnotes, sections),
    }
    clock.lap("reading_order")
    texts, docs, model_name = sections_to_texts(sections, nlp_model)
    ctx = ExtractionContext(report_date=identity.date, report_id=identity.report_id)
    records.update(fact_datasets(texts, docs, model_name, ctx, clock, hints_to_cover_date_text(parsed.hints)))
    records.update(table_datasets(parsed))
    clock.lap("tables")
    frames = {ds: records_to_frame(ds, records.get(ds, [])) for ds in EXTRACTED_DATASETS}
    validated = validate_datasets(frames, name)
    clock.lap("validation")
    return ExtractedEdition(identity, sha, name, validated, clock.seconds, parsed.pages)
