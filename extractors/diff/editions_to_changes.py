"""Edition diffs at the level of facts: match the rows of two editions and say what changed.

Pure functions, no I/O: two editions (their published datasets as DataFrames) in, change records
out. A change record is a dict with the columns of ``schemas/changes.py``.

Noise is not change. Everything is compared in a *comparable* form that drops what typesetting
varies between editions: whitespace and line breaks (also inside words, "P rovides"), hyphenation,
quote style, punctuation ("7 U.S.C §2202" vs "7 U.S.C. §2202", "Washington DC," vs "Washington,
DC;") and letter case. Digits keep their decimal point, so "$4.3" never equals "$43".

Matching, in short:
- sections: by heading, then by content similarity (renamed headings); inside a pair, sentences are
  aligned and a changed sentence gets a word-level excerpt; a sentence that only moved is no change.
- figures: by what they measure (unit, kind, subject, section, sentence), so a new value for the
  same thing is one ``changed`` row; a figure the extractor found on one side only is looked up in
  the aligned sentence of the other edition before it is called added or removed.
- table cells: on (caption without number and year, row, column); a moved table year is one row.
- entities, acronyms, dates: added or dropped only when the thing is absent from the other
  edition's text too (an extractor missing a mention is not a change).

The figure and cell matching (``match_figure_rows``, ``match_tables``, ``cells_by_key``) is also
what ``extractors.facts.fact_identity`` chains editions with, so a history and a diff never disagree on
which facts are the same.
"""
from __future__ import annotations

from extractors.diff.editions import EditionData, authors_to_changes, documents_to_changes
from extractors.diff.section_changes import match_sections, sections_to_changes
from extractors.diff.figure_changes import figures_to_changes
from extractors.diff.table_changes import tables_to_changes, trade_flows_to_changes
from extractors.diff.mention_changes import acronyms_to_changes, dates_to_changes, entities_to_changes


def editions_to_changes(old: EditionData, new: EditionData) -> list[dict]:
    """Every change between two editions, most important datasets first, deterministic order."""
    section_map = match_sections(old.content_sections(), new.content_sections())
    table_rows, comparable_old, comparable_new = tables_to_changes(old, new)
    rows: list[dict] = []
    rows += documents_to_changes(old, new)
    rows += authors_to_changes(old, new)
    rows += figures_to_changes(old, new, section_map)
    rows += table_rows
    rows += trade_flows_to_changes(old, new, comparable_old, comparable_new)
    rows += entities_to_changes(old, new)
    rows += acronyms_to_changes(old, new)
    rows += dates_to_changes(old, new)
    rows += sections_to_changes(old, new, section_map)
    return rows
