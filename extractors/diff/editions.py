"""One edition's published datasets as the matchers read them; a change record; document and author changes."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from extractors.diff.comparable_text import METADATA_FIELDS, frame_to_records, show, text_to_comparable, text_to_sentences, text_to_words


@dataclass
class EditionData:
    """One published edition: its manifest and its datasets (DataFrames as published)."""

    edition: str
    manifest: dict
    frames: dict[str, pd.DataFrame]
    _sentences: list[tuple[str, str]] | None = field(default=None, repr=False)
    _printed: list[str] | None = field(default=None, repr=False)

    def records(self, dataset: str) -> list[dict]:
        return frame_to_records(self.frames.get(dataset))

    def content_sections(self) -> list[dict]:
        return [s for s in self.records("sections") if not s.get("boilerplate")]

    def headings(self) -> dict[str, str]:
        return {s["section_id"]: s.get("heading") or "" for s in self.records("sections")}

    def sentences(self) -> list[tuple[str, str]]:
        """(section_id, sentence) over all content sections, in reading order."""
        if self._sentences is None:
            self._sentences = [(s["section_id"], sent) for s in self.content_sections() for sent in text_to_sentences(s.get("text"))]
        return self._sentences

    def printed_texts(self) -> list[str]:
        """Everything the edition prints: section headings and texts, footnotes, table captions,
        notes and cells. A reader may put a table note in the text in one format and in the table
        in another; presence checks look at all of it."""
        if self._printed is None:
            texts = [t for s in self.content_sections() for t in (s.get("heading"), s.get("text"))]
            texts += [f.get("text") for f in self.records("footnotes")]
            texts += [t.get(k) for t in self.records("tables") for k in ("caption", "units_note", "source_note")]
            texts += [c.get(k) for c in self.records("table_cells") for k in ("row", "column", "value")]
            self._printed = [t for t in texts if t]
        return self._printed

    def text_words(self) -> str:
        return " | ".join(text_to_words(t) for t in self.printed_texts())

    def comparable_text(self) -> str:
        return "|".join(text_to_comparable(t) for t in self.printed_texts())


def change(dataset: str, kind: str, key: str, field_name: str | None = None, old=None, new=None,
           old_context: str | None = None, new_context: str | None = None, section: str | None = None) -> dict:
    # an added or removed thing always shows something (an empty cell, an uncaptioned table: its key)
    if kind == "removed" and not show(old):
        old = key
    if kind == "added" and not show(new):
        new = key
    return {
        "dataset": dataset, "change": kind, "key": key, "field": field_name, "old": show(old) or None, "new": show(new) or None,
        "old_context": old_context or None, "new_context": new_context or None, "section": section or None,
    }


# ---------------------------------------------------------------- documents and authors

def documents_to_changes(old: EditionData, new: EditionData) -> list[dict]:
    old_doc = (old.records("documents") or [old.manifest])[0]
    new_doc = (new.records("documents") or [new.manifest])[0]
    rows = []
    for name in METADATA_FIELDS:
        a, b = show(old_doc.get(name)), show(new_doc.get(name))
        if a == b or (name == "title" and text_to_comparable(a) == text_to_comparable(b)):
            continue
        rows.append(change("documents", "changed", name, name, a, b))
    return rows


def authors_to_changes(old: EditionData, new: EditionData) -> list[dict]:
    """Compared only when both editions list authors: some sources (CRS HTML) print none."""
    old_rows, new_rows = old.records("authors"), new.records("authors")
    if not old_rows or not new_rows:
        return []
    old_by_name = {text_to_comparable(a["name"]): a for a in old_rows}
    new_by_name = {text_to_comparable(a["name"]): a for a in new_rows}
    rows = []
    for key, a in old_by_name.items():
        if key not in new_by_name:
            rows.append(change("authors", "removed", a["name"], "name", a["name"], None, a.get("role")))
        elif text_to_comparable(a.get("role")) != text_to_comparable(new_by_name[key].get("role")) and a.get("role") and new_by_name[key].get("role"):
            rows.append(change("authors", "changed", a["name"], "role", a.get("role"), new_by_name[key].get("role")))
    for key, b in new_by_name.items():
        if key not in old_by_name:
            rows.append(change("authors", "added", b["name"], "name", None, b["name"], None, b.get("role")))
    return rows
