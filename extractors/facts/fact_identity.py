"""Fact identity across editions: every figure and table cell gets a ``fact_id`` it keeps for life.

Pure functions, no I/O: a report's editions (oldest first, as ``EditionData``) in, one history record
per fact per edition out (the columns of ``schemas/figure_history.py`` and ``schemas/cell_history.py``).

Consecutive editions are chained with exactly the matching the diff uses (``extractors.diff``):
figures by what they measure (unit, kind, subject, section, sentence), then a figure left over is
looked up in the other edition's sentences; table cells on (caption without number and year, row,
column). So a figure the diff calls "changed" is one fact with a new value, and one it calls "no
change" is one fact marked ``same``.

Two cases keep a fact alive without a figure row behind it, as the diff does:
- the figure is still printed in the newer edition but the extractor missed it there: the fact is
  carried with its old value, in the sentence that prints it (unless another fact already is that
  figure in that sentence);
- the words around it were replaced by another figure of the same kind that the extractor did not
  pick up (IF10199 v49 prints "about 55,000" U.S. troops where the seed said "over 50,000"): the
  fact takes the printed replacement as its value.

A fact id is derived from the report id and the fact's place in the edition where it first appears
(a figure's section and offsets, a cell's table, row and column), so rebuilding from the same
editions always gives the same ids, whatever order the editions were published in.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from extractors.diff.comparable_text import NEW_FIGURE_RE, clean, text_to_comparable
from extractors.diff.editions import EditionData
from extractors.diff.figure_changes import FigureLookup, figure_change_field, figure_label, figure_value_phrase, match_figure_rows, with_full_sentences
from extractors.diff.table_changes import caption_year_moves, caption_years, cell_value_key, cells_by_key, match_tables, table_label
from extractors.diff.section_changes import match_sections
from extractors.facts.figure_vocabulary import QUALIFIERS

STATUSES = ("new", "same", "changed", "dropped")
FIGURE_FIELDS = ("text", "value", "value_high", "unit", "qualifier", "kind", "year", "subject", "sentence")
CELL_FIELDS = ("table_id", "caption", "row", "column", "text", "value", "unit")
PRINTED_FIGURE_FIELDS = ("text", "value", "value_high", "qualifier", "year", "sentence")
PRINTED_CELL_FIELDS = ("table_id", "text", "value")


@dataclass(frozen=True)
class Fact:
    """One fact as one edition prints it: its id, its status there and its record."""

    fact_id: str
    status: str
    record: dict
    label: str


def fact_id_for(report_id: str, dataset: str, edition: str, key: str) -> str:
    """'fig-…' / 'cell-…' and 12 hex digits of a hash of where the fact first appears."""
    digest = hashlib.blake2b(f"{report_id}|{dataset}|{edition}|{key}".encode(), digest_size=6).hexdigest()
    return f"{'fig' if dataset == 'figures' else 'cell'}-{digest}"


def edition_fields(report_id: str, edition: EditionData) -> dict:
    version = clean(edition.manifest.get("version"))
    return {"report_id": report_id, "edition": edition.edition, "date": edition.manifest.get("date"),
            "version": None if version is None else int(version)}


# ---------------------------------------------------------------- figures

def figure_key(figure: dict) -> str:
    return f"{figure.get('section_id')}:{figure.get('char_start')}:{figure.get('char_end')}"


def carried_figure(figure: dict, lookup: FigureLookup) -> dict:
    """The old figure as the newer edition still prints it (the extractor missed it there)."""
    section_id, sentence = lookup.aligned if lookup.outcome == "same" else lookup.printed
    return {**figure, "section_id": section_id, "sentence": sentence}


def replaced_figure(figure: dict, lookup: FigureLookup) -> dict | None:
    """The figure whose printed value the newer edition replaced by ``lookup.outcome``; None when
    the phrase gives no value of the figure's kind."""
    section_id, sentence = lookup.aligned
    found = figure_value_phrase(lookup.outcome, figure.get("kind"))
    printed = NEW_FIGURE_RE.match(lookup.outcome)
    if found is None or printed is None:
        return None
    qualifier = (printed.group("qualifier") or "").lower()
    return {**figure, "text": lookup.outcome, "value": found[1], "value_high": None, "year": None,
            "qualifier": qualifier if qualifier in QUALIFIERS else None, "section_id": section_id, "sentence": sentence}


def figure_without_row(figure: dict, lookup: FigureLookup) -> dict | None:
    """An old figure as the newer edition prints it with no figure row of its own: still printed,
    or its words replaced by another figure phrase; None when it is gone."""
    if lookup.kept:
        return carried_figure(figure, lookup)
    return replaced_figure(figure, lookup) if lookup.outcome else None


def printed_by_another(figure: dict, facts: list[Fact]) -> bool:
    """The sentence a missed figure would be carried to already holds that figure as another fact:
    the seed of IF10199 says "sixth-largest U.S. trade partner" twice, v49 once. The diff sees no
    change; for the history, one of the two facts is gone."""
    text = text_to_comparable(figure.get("text"))
    return any(f.record.get("sentence") == figure.get("sentence") and text_to_comparable(f.record.get("text")) == text for f in facts)


def first_figure_facts(report_id: str, edition: EditionData, rows: list[dict]) -> list[Fact]:
    return [Fact(fact_id_for(report_id, "figures", edition.edition, figure_key(r)), "new", r, figure_label(r)) for r in rows]


def next_figure_facts(report_id: str, old: EditionData, old_facts: list[Fact], new: EditionData,
                      new_rows: list[dict]) -> tuple[list[Fact], list[Fact]]:
    """The newer edition's facts (its figure rows, then facts carried over) and the facts dropped."""
    old_rows = [f.record for f in old_facts]
    section_map = match_sections(old.content_sections(), new.content_sections())
    match = match_figure_rows(old_rows, new_rows, old.sentences(), new.sentences(), section_map)
    inherited: dict[int, tuple[Fact, str]] = {}
    for i, j in match.pairs:
        inherited[j] = (old_facts[i], "changed" if figure_change_field(old_rows[i], new_rows[j]) else "same")
    replaced_by: dict[int, int] = {}
    for j, i in sorted(match.replacements.items()):
        if i not in replaced_by:  # one fact per edition: a second printing of the phrase is its own fact
            replaced_by[i] = j
            inherited[j] = (old_facts[i], "changed")
    facts = []
    for j, row in enumerate(new_rows):
        if j in inherited:
            fact, status = inherited[j]
            facts.append(Fact(fact.fact_id, status, row, fact.label))
        else:
            facts.append(Fact(fact_id_for(report_id, "figures", new.edition, figure_key(row)), "new", row, figure_label(row)))
    dropped = []
    for lookup in match.old_only:
        if lookup.index in replaced_by:
            continue  # a figure row of the newer edition carries it on
        fact = old_facts[lookup.index]
        record = figure_without_row(fact.record, lookup)
        if record is None or printed_by_another(record, facts):
            dropped.append(fact)
        else:
            facts.append(Fact(fact.fact_id, "same" if lookup.kept else "changed", record, fact.label))
    return facts, dropped


def editions_to_figure_history(report_id: str, editions: Iterable[EditionData]) -> list[dict]:
    """One record per figure fact per edition it is printed in, plus one ``dropped`` record in the
    first edition that no longer prints it. Editions oldest first, read once (a generator keeps
    only two editions in memory)."""
    history: list[dict] = []
    previous, facts = None, []
    for edition in editions:
        rows = with_full_sentences(edition.records("figures"), edition)
        if previous is None:
            facts, dropped = first_figure_facts(report_id, edition, rows), []
        else:
            facts, dropped = next_figure_facts(report_id, previous, facts, edition, rows)
        where = edition_fields(report_id, edition)
        history += [fact_to_record(f, where, FIGURE_FIELDS) for f in facts]
        history += [dropped_record(f, where, FIGURE_FIELDS, PRINTED_FIGURE_FIELDS) for f in dropped]
        previous = edition
    return facts_first(history)


# ---------------------------------------------------------------- table cells

def cell_key(cell: dict) -> tuple[str, str, str]:
    return cell.get("table_id"), cell.get("row"), cell.get("column")


def cell_record(cell: dict, table: dict) -> dict:
    return {"table_id": cell.get("table_id"), "caption": cell.get("caption") if cell.get("caption") is not None else table.get("caption"),
            "row": cell.get("row"), "column": cell.get("column"), "text": cell.get("value"), "value": cell.get("number"),
            "unit": cell.get("unit")}


def cell_label(cell: dict, table: dict) -> str:
    """The diff's key for a cell: 'caption without number and year / row / column'."""
    return f"{table_label(table)} / {cell.get('row')} / {cell.get('column')}"


def cells_of(edition: EditionData) -> tuple[list[dict], dict[str, list[dict]]]:
    tables = edition.records("tables")
    by_table: dict[str, list[dict]] = {}
    for cell in edition.records("table_cells"):
        by_table.setdefault(cell.get("table_id"), []).append(cell)
    return tables, by_table


def edition_cell_facts(report_id: str, edition: EditionData, inherited: dict[tuple, tuple[Fact, str]]) -> list[Fact]:
    """Every cell of the edition as a fact: inherited from the edition before, else new."""
    tables, by_table = cells_of(edition)
    table_of = {t.get("table_id"): t for t in tables}
    facts = []
    for table_id, cells in by_table.items():
        table = table_of.get(table_id, {"table_id": table_id})
        for cell in cells:
            record = cell_record(cell, table)
            if cell_key(cell) in inherited:
                fact, status = inherited[cell_key(cell)]
                facts.append(Fact(fact.fact_id, status, record, fact.label))
            else:
                key = "|".join(str(part) for part in cell_key(cell))
                facts.append(Fact(fact_id_for(report_id, "table_cells", edition.edition, key), "new", record, cell_label(cell, table)))
    return facts


def inherited_cells(old: EditionData, old_facts: dict[tuple, Fact], new: EditionData) -> dict[tuple, tuple[Fact, str]]:
    """New cell key -> (the old cell's fact, same or changed), over the tables the diff matches."""
    (old_tables, old_cells), (new_tables, new_cells) = cells_of(old), cells_of(new)
    inherited = {}
    for a, b in match_tables(old_tables, new_tables):
        year_moves = caption_year_moves(caption_years(a.get("caption")), caption_years(b.get("caption")))
        old_by_key, new_by_key = cells_by_key(old_cells.get(a.get("table_id"), []), new_cells.get(b.get("table_id"), []), year_moves)
        for key, d in new_by_key.items():
            c = old_by_key.get(key)
            if c is not None and cell_key(c) in old_facts:
                inherited[cell_key(d)] = (old_facts[cell_key(c)], "same" if cell_value_key(c) == cell_value_key(d) else "changed")
    return inherited


def editions_to_cell_history(report_id: str, editions: Iterable[EditionData]) -> list[dict]:
    """One record per table-cell fact per edition that prints it, plus one ``dropped`` record in
    the first edition without it (also when a table is printed there only as an image)."""
    history: list[dict] = []
    previous, facts_by_key = None, {}
    for edition in editions:
        inherited = {} if previous is None else inherited_cells(previous, facts_by_key, edition)
        facts = edition_cell_facts(report_id, edition, inherited)
        kept = {fact.fact_id for fact in facts}
        dropped = [fact for fact in facts_by_key.values() if fact.fact_id not in kept]
        where = edition_fields(report_id, edition)
        history += [fact_to_record(f, where, CELL_FIELDS) for f in facts]
        history += [dropped_record(f, where, CELL_FIELDS, PRINTED_CELL_FIELDS) for f in dropped]
        facts_by_key = {(f.record["table_id"], f.record["row"], f.record["column"]): f for f in facts}
        previous = edition
    return facts_first(history)


# ---------------------------------------------------------------- records

def fact_to_record(fact: Fact, where: dict, fields: tuple[str, ...]) -> dict:
    return {**where, "fact_id": fact.fact_id, "status": fact.status, "label": fact.label,
            **{name: clean(fact.record.get(name)) for name in fields}}


def dropped_record(fact: Fact, where: dict, fields: tuple[str, ...], printed: tuple[str, ...]) -> dict:
    """The first edition without the fact: what it measured stays, nothing printed is left."""
    record = fact_to_record(fact, where, fields)
    return {**record, "status": "dropped", **{name: None for name in printed}}


def facts_first(history: list[dict]) -> list[dict]:
    """Each fact's records together, oldest edition first; facts in order of first appearance."""
    first: dict[str, int] = {}
    for position, record in enumerate(history):
        first.setdefault(record["fact_id"], position)
    return sorted(history, key=lambda record: first[record["fact_id"]])
