"""Entity, acronym and date changes: added or dropped only when absent from the other edition's text too."""
from __future__ import annotations

import re

from extractors.diff.comparable_text import contains_words, text_to_comparable
from extractors.diff.editions import EditionData, change


def entities_to_changes(old: EditionData, new: EditionData) -> list[dict]:
    """An entity is new when its canonical name is in no entity row and nowhere in the text of the
    old edition (and dropped the other way round). A label flip (ORG vs GPE) is model noise."""
    def first_mentions(edition: EditionData) -> dict[str, dict]:
        first: dict[str, dict] = {}
        for row in edition.records("entities"):
            first.setdefault(text_to_comparable(row.get("norm")), row)
        return first

    old_first, new_first = first_mentions(old), first_mentions(new)
    old_words, new_words = old.text_words(), new.text_words()
    old_headings, new_headings = old.headings(), new.headings()
    rows = []
    for k, row in old_first.items():
        if k and k not in new_first and not contains_words(new_words, row.get("norm")) and not contains_words(new_words, row.get("text")):
            rows.append(change("entities", "removed", row["norm"], row.get("label"), row["norm"], None, row.get("sentence"), None, old_headings.get(row.get("section_id"))))
    for k, row in new_first.items():
        if k and k not in old_first and not contains_words(old_words, row.get("norm")) and not contains_words(old_words, row.get("text")):
            rows.append(change("entities", "added", row["norm"], row.get("label"), None, row["norm"], None, row.get("sentence"), new_headings.get(row.get("section_id"))))
    return rows


def acronyms_to_changes(old: EditionData, new: EditionData) -> list[dict]:
    def long_key(text: str | None) -> str:
        return re.sub(r"^the", "", text_to_comparable(text))

    old_by_short = {a["short"]: a for a in old.records("acronyms")}
    new_by_short = {a["short"]: a for a in new.records("acronyms")}
    old_text, new_text = old.text_words(), new.text_words()
    rows = []
    for short, a in old_by_short.items():
        b = new_by_short.get(short)
        if b is None:
            if not contains_words(new_text, short):
                rows.append(change("acronyms", "removed", short, "long", a.get("long"), None, a.get("sentence"), None, old.headings().get(a.get("section_id"))))
        elif long_key(a.get("long")) != long_key(b.get("long")):
            rows.append(change("acronyms", "changed", short, "long", a.get("long"), b.get("long"), a.get("sentence"), b.get("sentence"), new.headings().get(b.get("section_id"))))
    for short, b in new_by_short.items():
        if short not in old_by_short and not contains_words(old_text, short):
            rows.append(change("acronyms", "added", short, "long", None, b.get("long"), None, b.get("sentence"), new.headings().get(b.get("section_id"))))
    return rows


def dates_to_changes(old: EditionData, new: EditionData) -> list[dict]:
    """Dates compared as the span they cover (FY2024 and 'fiscal year 2024' are one date)."""
    def by_span(edition: EditionData) -> dict[tuple, dict]:
        spans: dict[tuple, dict] = {}
        for row in edition.records("dates"):
            spans.setdefault((row.get("start"), row.get("end"), row.get("granularity")), row)
        return spans

    old_spans, new_spans = by_span(old), by_span(new)
    old_text, new_text = old.text_words(), new.text_words()
    rows = []
    for k, row in old_spans.items():
        if k not in new_spans and not contains_words(new_text, row.get("text")):
            rows.append(change("dates", "removed", date_key(row), "text", row.get("text"), None, row.get("sentence"), None, old.headings().get(row.get("section_id"))))
    for k, row in new_spans.items():
        if k not in old_spans and not contains_words(old_text, row.get("text")):
            rows.append(change("dates", "added", date_key(row), "text", None, row.get("text"), None, row.get("sentence"), new.headings().get(row.get("section_id"))))
    return rows


def date_key(row: dict) -> str:
    start, end = row.get("start"), row.get("end")
    return start if start == end else f"{start}..{end}"
