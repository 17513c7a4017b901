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

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from rapidfuzz import fuzz

CHANGE_DATASETS = (
    "documents", "authors", "sections", "figures", "tables", "table_cells", "trade_flows",
    "entities", "acronyms", "dates",
)
CHANGE_KINDS = ("added", "removed", "changed")
METADATA_FIELDS = ("title", "date", "version", "product_type")

TYPOGRAPHY = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2032": "'", "\u00b4": "'",
    "\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u00ad": None,
    "\u00a0": " ", "\u200b": None,
})
# a word, a number (decimal point kept, thousands commas dropped later) or a meaningful sign
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[$%§]")
ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")
# words that end in a period without ending a sentence
ABBREVIATIONS = {
    "u.s", "u.s.c", "p.l", "h.r", "s", "h", "rept", "res", "no", "nos", "sec", "secs", "e.g", "i.e", "inc",
    "co", "corp", "mr", "mrs", "ms", "dr", "gen", "adm", "st", "vs", "v", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "vol", "art", "para", "approx",
    "etc", "al", "ph.d", "a.m", "p.m", "u.n", "u.k", "d.c", "stat", "fed", "reg", "cong", "doc",
}
SENTENCE_END_RE = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9$])")
YEAR_IN_CAPTION_RE = re.compile(r"\b(?:FY|CY)?(?:19|20)\d\d(?:\s*[-\u2013\u2014]\s*(?:(?:19|20)?\d\d))?\b")
CAPTION_NUMBER_RE = re.compile(r"^\s*(?:Table|Figure|Exhibit|Chart|Map)\s+[A-Z]?-?\d+[A-Za-z]?[.:]?\s*", re.I)
QUALIFIER_WORDS = (
    "not less than", "not more than", "no less than", "no more than", "more than", "less than", "fewer than",
    "at least", "at most", "up to", "just over", "just under", "an estimated", "close to", "upwards of",
    "about", "approximately", "roughly", "around", "nearly", "almost", "over", "under", "some",
)
NEW_FIGURE_RE = re.compile(
    r"(?:(?P<qualifier>" + "|".join(re.escape(q) for q in QUALIFIER_WORDS) + r")\s+)?"
    r"(?P<dollar>\$\s?)?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion))?(?:\s?(?P<percent>%|percent\b))?",
    re.I,
)
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


# ---------------------------------------------------------------- normalising text

def text_to_tokens(text: str | None) -> list[str]:
    if not text:
        return []
    text = unicodedata.normalize("NFKC", str(text)).translate(TYPOGRAPHY)
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)  # a word hyphenated at a line break
    tokens = [THOUSANDS_RE.sub("", t) for t in TOKEN_RE.findall(text.lower())]
    # "119th" and a superscript lost in conversion ("119") are the same number
    return [t for i, t in enumerate(tokens) if not (t in ORDINAL_SUFFIXES and i and tokens[i - 1][-1:].isdigit())]


# comparable forms are asked for the same sentences again and again (every figure is looked up in
# every sentence of the other edition); they are pure, so remember them
@lru_cache(maxsize=16384)
def text_to_comparable(text: str | None) -> str:
    """The text with everything typesetting varies removed; equal comparables mean 'no change'."""
    return "".join(text_to_tokens(text))


@lru_cache(maxsize=16384)
def text_to_words(text: str | None) -> str:
    """Lower-case word tokens joined by one space: for similarity scores and whole-word lookups."""
    return " ".join(text_to_tokens(text))


def similarity(a: str | None, b: str | None) -> float:
    """0..1 similarity of two texts, word tokens compared as strings (rapidfuzz ratio)."""
    wa, wb = text_to_words(a), text_to_words(b)
    if not wa or not wb:
        return 0.0
    return fuzz.ratio(wa, wb) / 100.0


def contains_words(haystack_words: str, needle: str | None) -> bool:
    needle_words = text_to_words(needle)
    return bool(needle_words) and f" {needle_words} " in f" {haystack_words} "


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def clean(value):
    """NaN/NA -> None, numpy scalars -> Python values, so records compare and serialise simply."""
    if is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def frame_to_records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None or frame.empty:
        return []
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def show(value) -> str | None:
    """A value as the changes table prints it: integers without '.0', None stays None."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- sentences and word diffs

def text_to_sentences(text: str | None) -> list[str]:
    """Sentences of a section text: paragraphs split on blank lines, then on sentence ends that are
    not abbreviations or initials. Both editions go through the same rule, so its misses cancel."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text or ""):
        paragraph = re.sub(r"\s+", " ", paragraph).strip()
        start = 0
        for m in SENTENCE_END_RE.finditer(paragraph):
            before = paragraph[start:m.start() + 1].rstrip(".!?\"'\u201d\u2019)]")
            last_word = re.sub(r"^\W+", "", before.split(" ")[-1].lower()) if before else ""
            if paragraph[m.start()] == "." and is_abbreviation(last_word):
                continue
            sentences.append(paragraph[start:m.end()].strip())
            start = m.end()
        if paragraph[start:].strip():
            sentences.append(paragraph[start:].strip())
    return [s for s in sentences if text_to_tokens(s)]


def is_abbreviation(word: str) -> bool:
    """'u.s', 'h.rept', 'h.con.res', an initial 'e': a period after them ends no sentence."""
    word = word.rsplit("-", 1)[-1]  # "kingdom-u.s" as in "Australia-United Kingdom-U.S. (AUKUS)"
    return word in ABBREVIATIONS or bool(re.fullmatch(r"[a-z]|(?:[a-z]{1,5}\.)+[a-z]{1,5}", word))


def text_to_spans(text: str) -> list[tuple[str, int, int]]:
    """Printed words with their character spans: split on whitespace and on dashes between words
    ("troops\u2014currently"), punctuation otherwise kept with its word."""
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"[\u2014\u2013]|[^\s\u2014\u2013]+", text)]


def word_opcodes(old: str, new: str) -> tuple[list, list, list]:
    """difflib opcodes over printed words compared in comparable form."""
    old_words, new_words = text_to_spans(old), text_to_spans(new)
    sm = difflib.SequenceMatcher(
        None, [text_to_comparable(w) for w, _, _ in old_words], [text_to_comparable(w) for w, _, _ in new_words], autojunk=False
    )
    return sm.get_opcodes(), old_words, new_words


def changed_words(old: str, new: str) -> tuple[str, str]:
    """The words that differ (old side, new side), joined over all differing runs with ' … '."""
    opcodes, old_words, new_words = word_opcodes(old, new)
    old_parts, new_parts = [], []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if i2 > i1:
            old_parts.append(" ".join(w for w, _, _ in old_words[i1:i2]))
        if j2 > j1:
            new_parts.append(" ".join(w for w, _, _ in new_words[j1:j2]))
    return " … ".join(old_parts), " … ".join(new_parts)


def word_diff_excerpt(old: str, new: str, context_words: int = 4, max_runs: int = 3) -> str:
    """A short markdown word-level diff: '… base U.S. troops—currently ~~numbering over 50,000—and~~
    **about 55,000 on active duty—and** military …'."""
    opcodes, old_words, new_words = word_opcodes(old, new)
    pieces: list[str] = []
    runs = 0
    last_end = 0
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            continue
        runs += 1
        if runs > max_runs:
            pieces.append("…")
            break
        lead_start = max(i1 - context_words, last_end)
        if lead_start > last_end or (lead_start > 0 and not pieces):
            pieces.append("…")
        pieces.extend(w for w, _, _ in old_words[lead_start:i1])
        if i2 > i1:
            pieces.append("~~" + " ".join(w for w, _, _ in old_words[i1:i2]) + "~~")
        if j2 > j1:
            pieces.append("**" + " ".join(w for w, _, _ in new_words[j1:j2]) + "**")
        next_change = next((op[1] for op in opcodes[index + 1:] if op[0] != "equal"), len(old_words))
        trail_end = min(i2 + context_words, next_change)
        pieces.extend(w for w, _, _ in old_words[i2:trail_end])
        last_end = trail_end
    if pieces and last_end < len(old_words) and pieces[-1] != "…":
        pieces.append("…")
    return " ".join(pieces)


# ---------------------------------------------------------------- editions

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


# ---------------------------------------------------------------- sections

def match_sections(old_sections: list[dict], new_sections: list[dict]) -> dict[str, str]:
    """old section_id -> new section_id: same heading first (in order), then the most similar
    content among the rest (a renamed heading), greedy on a combined score."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for a in old_sections:
        for b in new_sections:
            if b["section_id"] not in used and text_to_comparable(a.get("heading")) == text_to_comparable(b.get("heading")):
                mapping[a["section_id"]] = b["section_id"]
                used.add(b["section_id"])
                break
    candidates = []
    for a in old_sections:
        if a["section_id"] in mapping:
            continue
        for b in new_sections:
            if b["section_id"] in used:
                continue
            heading_score = fuzz.token_set_ratio(text_to_words(a.get("heading")), text_to_words(b.get("heading"))) / 100.0
            text_score = fuzz.token_set_ratio(text_to_words(a.get("text")), text_to_words(b.get("text"))) / 100.0
            if not text_to_words(a.get("text")) or not text_to_words(b.get("text")):
                text_score = 0.0
            # a renamed heading keeps some of its words or most of its content
            if (heading_score >= 0.6 and text_score >= 0.4) or text_score >= 0.7 or (heading_score >= 0.9 and a.get("level") == b.get("level")):
                candidates.append((heading_score * 0.4 + text_score * 0.6, a["section_id"], b["section_id"]))
    for _, a_id, b_id in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if a_id not in mapping and b_id not in used:
            mapping[a_id] = b_id
            used.add(b_id)
    return mapping


def pair_sentences(old_block: list[str], new_block: list[str], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one pairs (old index, new index) of similar sentences in a replaced block."""
    scored = sorted(
        ((similarity(a, b), i, j) for i, a in enumerate(old_block) for j, b in enumerate(new_block)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    pairs, used_old, used_new = [], set(), set()
    for score, i, j in scored:
        if score < threshold:
            break
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return sorted(pairs)


LABEL_RE = re.compile(r"^\s*(?:sources?|notes?)\s*:\s*", re.I)


def printed_in(text: str, other_comparable: str) -> bool:
    """The text (without a 'Source:'/'Notes:' label) is printed somewhere in the other edition."""
    comparable = text_to_comparable(LABEL_RE.sub("", text))
    return not comparable or comparable in other_comparable


def is_marker_only(words: str) -> bool:
    return all(len(token) <= 1 for token in text_to_tokens(words))


def section_text_changes(old_text: str, new_text: str, heading: str, old_all: str, new_all: str) -> list[dict]:
    """Sentence-level changes inside one matched section. ``old_all``/``new_all`` are the editions'
    comparable texts: a sentence printed anywhere in the other edition only moved (or a reader put
    it elsewhere); a block whose joined text is equal was only split differently."""
    old_sents, new_sents = text_to_sentences(old_text), text_to_sentences(new_text)
    sm = difflib.SequenceMatcher(None, [text_to_comparable(s) for s in old_sents], [text_to_comparable(s) for s in new_sents], autojunk=False)
    rows = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        old_block, new_block = old_sents[i1:i2], new_sents[j1:j2]
        if text_to_comparable(" ".join(old_block)) == text_to_comparable(" ".join(new_block)):
            continue
        pairs = pair_sentences(old_block, new_block)
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        events = []
        for i, j in pairs:
            a, b = old_block[i], new_block[j]
            old_words, new_words = changed_words(a, b)
            if is_marker_only(old_words) and is_marker_only(new_words):
                continue  # only footnote letters ("a.", "b.") moved around
            events.append((i, j, change("sections", "changed", heading, "sentence", old_words, new_words, a, b, heading)))
        # one sentence split into several (or several merged into one) and reworded
        left_old = [i for i in range(len(old_block)) if i not in paired_old and not printed_in(old_block[i], new_all)]
        left_new = [j for j in range(len(new_block)) if j not in paired_new and not printed_in(new_block[j], old_all)]
        if left_old and left_new and (len(left_old) == 1 or len(left_new) == 1):
            a, b = " ".join(old_block[i] for i in left_old), " ".join(new_block[j] for j in left_new)
            if similarity(a, b) >= 0.5:
                old_words, new_words = changed_words(a, b)
                events.append((left_old[0], left_new[0], change("sections", "changed", heading, "sentence", old_words, new_words, a, b, heading)))
                paired_old.update(left_old)
                paired_new.update(left_new)
        for i, a in enumerate(old_block):
            if i not in paired_old and not printed_in(a, new_all):
                events.append((i, -1, change("sections", "removed", heading, "sentence", a, None, a, None, heading)))
        for j, b in enumerate(new_block):
            if j not in paired_new and not printed_in(b, old_all):
                events.append((len(old_block), j, change("sections", "added", heading, "sentence", None, b, None, b, heading)))
        rows.extend(row for _, _, row in sorted(events, key=lambda e: (e[0], e[1])))
    return rows


def sections_to_changes(old: EditionData, new: EditionData, mapping: dict[str, str]) -> list[dict]:
    old_sections, new_sections = old.content_sections(), new.content_sections()
    new_by_id = {s["section_id"]: s for s in new_sections}
    old_all, new_all = old.comparable_text(), new.comparable_text()
    matched_new = set(mapping.values())
    rows: list[dict] = []
    for a in old_sections:
        b = new_by_id.get(mapping.get(a["section_id"], ""))
        if b is None:
            if section_printed_in(a, new_all):
                continue
            rows.append(change("sections", "removed", a.get("heading") or "(untitled)", "section", a.get("heading") or "(untitled)", None,
                               section=a.get("heading"), old_context=first_words(a.get("text"))))
            continue
        heading = b.get("heading") or a.get("heading") or "(untitled)"
        if text_to_comparable(a.get("heading")) != text_to_comparable(b.get("heading")):
            rows.append(change("sections", "changed", a.get("heading") or "(untitled)", "heading", a.get("heading"), b.get("heading"), section=heading))
        if text_to_comparable(a.get("text")) != text_to_comparable(b.get("text")):
            rows.extend(section_text_changes(a.get("text") or "", b.get("text") or "", heading, old_all, new_all))
    for b in new_sections:
        if b["section_id"] not in matched_new and not section_printed_in(b, old_all):
            rows.append(change("sections", "added", b.get("heading") or "(untitled)", "section", None, b.get("heading") or "(untitled)",
                               section=b.get("heading"), new_context=first_words(b.get("text"))))
    return rows


def section_printed_in(section: dict, other_comparable: str) -> bool:
    """A whole section whose heading and sentences the other edition prints elsewhere (a sidebar
    box read as a section in one format, inline in another) was not added or removed."""
    texts = [section.get("heading") or ""] + text_to_sentences(section.get("text"))
    return all(printed_in(t, other_comparable) for t in texts)


def first_words(text: str | None, limit: int = 40) -> str | None:
    words = (text or "").split()
    if not words:
        return None
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")


# ---------------------------------------------------------------- figures

def figure_label(figure: dict) -> str:
    """What the figure measures, for keys and the summary: its subject, else the words before it."""
    if figure.get("subject"):
        return figure["subject"]
    sentence, text = figure.get("sentence") or "", figure.get("text") or ""
    at = sentence.find(text)
    before = sentence[:at].split() if at > 0 else []
    lead = " ".join(before[-5:]).strip(" ,;:(\"'\u201c\u201d\u2018\u2019")
    return f"… {lead} ___" if lead else text


def figure_score(a: dict, b: dict, same_section: bool) -> float | None:
    """How surely two figures measure the same thing; None when they cannot be the same."""
    if a.get("unit") != b.get("unit") or a.get("kind") != b.get("kind"):
        return None
    same_value = a.get("value") == b.get("value") and a.get("value_high") == b.get("value_high")
    sentence_score = similarity(a.get("sentence"), b.get("sentence"))
    subject_score = None
    if a.get("subject") and b.get("subject"):
        subject_score = fuzz.token_set_ratio(text_to_words(a["subject"]), text_to_words(b["subject"])) / 100.0
    if same_value:
        ok = sentence_score >= 0.5 or (same_section and (subject_score is None or subject_score >= 0.5 or sentence_score >= 0.3))
    else:
        # a new value must be tied to the old one by what it measures, not only by its unit
        ok = sentence_score >= 0.75 or (same_section and subject_score is not None and subject_score >= 0.8 and sentence_score >= 0.3)
    if not ok:
        return None
    return sentence_score + (0.6 if same_value else 0.0) + (0.3 if same_section else 0.0) + 0.3 * (subject_score or 0.0)


def match_figures(old_rows: list[dict], new_rows: list[dict], section_map: dict[str, str]) -> list[tuple[int, int]]:
    candidates = []
    for i, a in enumerate(old_rows):
        for j, b in enumerate(new_rows):
            score = figure_score(a, b, section_map.get(a.get("section_id")) == b.get("section_id"))
            if score is not None:
                candidates.append((score, i, j))
    pairs, used_old, used_new = [], set(), set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return sorted(pairs)


def figure_value_phrase(text: str, kind: str) -> tuple[str, float] | None:
    """The first figure of ``kind`` printed in ``text`` (qualifier included) and its value."""
    for m in NEW_FIGURE_RE.finditer(text):
        is_money, is_percent = bool(m.group("dollar")), bool(m.group("percent"))
        if (kind == "money") != is_money or (kind == "percent") != is_percent:
            continue
        if kind not in ("money", "percent", "count"):
            continue
        value = float(m.group("number").replace(",", "")) * SCALES.get((m.group("scale") or "").lower(), 1.0)
        return m.group().strip(), value
    return None


def best_aligned_sentence(sentence: str, others: list[tuple[str, str]], threshold: float = 0.7) -> tuple[str, str] | None:
    """The other edition's sentence this one most likely became (same words mostly), or None."""
    best, best_score = None, threshold
    for section_id, other in others:
        score = similarity(sentence, other)
        if score >= best_score:
            best, best_score = (section_id, other), score
    return best


def figure_in_aligned_sentence(figure: dict, aligned: str) -> str | None:
    """'same' when the figure is still printed in the aligned sentence (the extractor missed it on
    the other side), the replacing figure phrase when the words around it were replaced by a
    figure of the same kind, None when it is simply gone."""
    sentence, text = figure.get("sentence") or "", figure.get("text") or ""
    if contains_words(text_to_words(aligned), text):
        return "same"
    at = sentence.find(text)
    if at < 0:
        return None
    opcodes, old_words, new_words = word_opcodes(sentence, aligned)
    touched = [op for op in opcodes if op[0] != "equal" and any(s < at + len(text) and e > at for _, s, e in old_words[op[1]:op[2]])]
    if len(touched) != 1 or touched[0][0] != "replace":
        return None
    _, _, _, j1, j2 = touched[0]
    found = figure_value_phrase(" ".join(w for w, _, _ in new_words[j1:j2]), figure.get("kind"))
    return found[0] if found else None


def printed_sentence(figure: dict, others: list[tuple[str, str]], threshold: float = 0.4) -> tuple[str, str] | None:
    """The first loosely similar sentence of the other edition that prints the figure's words: the
    extractor missed it there (or the sentence was reworded around it); the value did not change."""
    return next(
        ((section_id, other) for section_id, other in others
         if contains_words(text_to_words(other), figure.get("text")) and similarity(figure.get("sentence"), other) >= threshold),
        None,
    )


def with_full_sentences(figures: list[dict], edition: EditionData) -> list[dict]:
    """The extractor's sentence can be a fragment where the sentence splitter stopped at 'H.Rept.'
    ('-215 recommended $32 million ...'); use the section's whole sentence that contains it."""
    by_section: dict[str, list[str]] = {}
    for section_id, sentence in edition.sentences():
        by_section.setdefault(section_id, []).append(sentence)
    fixed = []
    for figure in figures:
        fragment = text_to_comparable(figure.get("sentence"))
        containing = [s for s in by_section.get(figure.get("section_id"), []) if fragment and fragment in text_to_comparable(s)]
        fixed.append({**figure, "sentence": min(containing, key=len)} if containing else figure)
    return fixed


@dataclass(frozen=True)
class FigureLookup:
    """A figure found on one side only, looked up in the other edition's sentences."""

    index: int                               # its position in its edition's figure rows
    aligned: tuple[str, str] | None          # (section_id, sentence) it most likely became
    outcome: str | None                      # 'same', the replacing figure phrase, or None
    printed: tuple[str, str] | None = None   # a loosely similar sentence that still prints it

    @property
    def kept(self) -> bool:
        """Still printed on the other side (only the extractor missed it): no change."""
        return self.outcome == "same" or (self.outcome is None and self.printed is not None)


@dataclass(frozen=True)
class FigureMatch:
    """How the figures of two editions correspond (indices into the old and new figure rows)."""

    pairs: list[tuple[int, int]]
    old_only: list[FigureLookup]        # old figures in no pair, in order
    new_only: list[FigureLookup]        # new figures in no pair and replacing no old phrase, in order
    replacements: dict[int, int]        # new index -> old index whose replacing phrase it prints


def lookup_figure(index: int, figure: dict, others: list[tuple[str, str]]) -> FigureLookup:
    aligned = best_aligned_sentence(figure.get("sentence") or "", others)
    outcome = figure_in_aligned_sentence(figure, aligned[1]) if aligned else None
    printed = printed_sentence(figure, others) if outcome is None else None
    return FigureLookup(index, aligned, outcome, printed)


def replaced_phrase_index(figure: dict, replaced: list[tuple[int, str, str]]) -> int | None:
    """The old figure whose replacing phrase this new figure is (it is the same change, not an
    addition), from (old index, aligned sentence, phrase) of the old figures that were replaced."""
    for old_index, sentence, phrase in replaced:
        if similarity(sentence, figure.get("sentence")) < 0.9:
            continue
        if sentence == figure.get("sentence") and text_to_words(figure["text"]) in text_to_words(phrase) or text_to_words(phrase) in text_to_words(figure["text"]):
            return old_index
    return None


def match_figure_rows(old_rows: list[dict], new_rows: list[dict], old_sentences: list[tuple[str, str]],
                      new_sentences: list[tuple[str, str]], section_map: dict[str, str]) -> FigureMatch:
    """Pairs by what the figures measure, then each figure left over looked up in the other
    edition's sentences (see ``figure_in_aligned_sentence`` and ``printed_sentence``)."""
    pairs = match_figures(old_rows, new_rows, section_map)
    matched_old, matched_new = {i for i, _ in pairs}, {j for _, j in pairs}
    old_only = [lookup_figure(i, a, new_sentences) for i, a in enumerate(old_rows) if i not in matched_old]
    replaced = [(lookup.index, lookup.aligned[1], lookup.outcome) for lookup in old_only if lookup.outcome and lookup.outcome != "same"]
    new_only, replacements = [], {}
    for j, b in enumerate(new_rows):
        if j in matched_new:
            continue
        old_index = replaced_phrase_index(b, replaced)
        if old_index is not None:
            replacements[j] = old_index
        else:
            new_only.append(lookup_figure(j, b, old_sentences))
    return FigureMatch(pairs, old_only, new_only, replacements)


def figure_change_field(a: dict, b: dict) -> str | None:
    """What differs between two matched figures (value, qualifier, year), or None when nothing."""
    if a.get("value") != b.get("value") or a.get("value_high") != b.get("value_high"):
        return "value"
    if (a.get("qualifier") or "") != (b.get("qualifier") or ""):
        return "qualifier"
    if a.get("year") is not None and b.get("year") is not None and a.get("year") != b.get("year"):
        return "year"
    return None


def figures_to_changes(old: EditionData, new: EditionData, section_map: dict[str, str]) -> list[dict]:
    old_rows, new_rows = with_full_sentences(old.records("figures"), old), with_full_sentences(new.records("figures"), new)
    old_headings, new_headings = old.headings(), new.headings()
    match = match_figure_rows(old_rows, new_rows, old.sentences(), new.sentences(), section_map)
    rows: list[dict] = []
    for i, j in match.pairs:
        a, b = old_rows[i], new_rows[j]
        name = figure_change_field(a, b)
        if name is not None:
            rows.append(change("figures", "changed", figure_label(b if b.get("subject") else a), name, a["text"], b["text"],
                               a.get("sentence"), b.get("sentence"), new_headings.get(b.get("section_id"))))
    for lookup in match.old_only:
        a, aligned = old_rows[lookup.index], lookup.aligned
        if lookup.kept:
            continue
        if lookup.outcome:
            rows.append(change("figures", "changed", figure_label(a), "value", a["text"], lookup.outcome, a.get("sentence"), aligned[1], new_headings.get(aligned[0])))
        else:
            rows.append(change("figures", "removed", figure_label(a), "value", a["text"], None, a.get("sentence"), aligned[1] if aligned else None, old_headings.get(a.get("section_id"))))
    for lookup in match.new_only:
        b, aligned = new_rows[lookup.index], lookup.aligned
        if lookup.kept:
            continue
        if lookup.outcome:
            rows.append(change("figures", "changed", figure_label(b), "value", lookup.outcome, b["text"], aligned[1], b.get("sentence"), new_headings.get(b.get("section_id"))))
        else:
            rows.append(change("figures", "added", figure_label(b), "value", None, b["text"], aligned[1] if aligned else None, b.get("sentence"), new_headings.get(b.get("section_id"))))
    return rows


# ---------------------------------------------------------------- tables, cells, trade flows

def caption_to_stem(caption: str | None) -> str:
    """'Figure 1. Top U.S. Trade Partners, 2023' -> 'topustradepartners' (no number, no year)."""
    text = CAPTION_NUMBER_RE.sub("", caption or "")
    return text_to_comparable(YEAR_IN_CAPTION_RE.sub("", text))


def caption_years(caption: str | None) -> list[str]:
    return [m.group() for m in YEAR_IN_CAPTION_RE.finditer(CAPTION_NUMBER_RE.sub("", caption or ""))]


def match_tables(old_tables: list[dict], new_tables: list[dict]) -> list[tuple[dict, dict]]:
    pairs, used = [], set()
    for a in old_tables:
        stem = caption_to_stem(a.get("caption"))
        for index, b in enumerate(new_tables):
            if index in used:
                continue
            if (stem and stem == caption_to_stem(b.get("caption"))) or (not stem and not caption_to_stem(b.get("caption")) and a.get("table_id") == b.get("table_id")):
                pairs.append((a, b))
                used.add(index)
                break
    return pairs


def table_label(table: dict) -> str:
    """The caption without its number and year: the same label in every edition."""
    caption = YEAR_IN_CAPTION_RE.sub("", CAPTION_NUMBER_RE.sub("", table.get("caption") or ""))
    caption = re.sub(r"\s{2,}", " ", caption).strip(" ,;:.-\u2013")
    return caption or f"table {table.get('table_id')}"


def cell_value_key(cell: dict) -> str:
    """Numbers compare as numbers (a footnote letter is no change), text in comparable form."""
    if cell.get("number") is not None:
        return repr(float(cell["number"]))
    return text_to_comparable(cell.get("value"))


def caption_year_moves(old_years: list[str], new_years: list[str]) -> dict[str, str]:
    """A one-year snapshot ("Top partners, 2023" -> "2025") may label a column by its year; a moved
    range (FY2016-FY2025 -> FY2017-FY2026) is a window: rows come and go, nothing is renamed."""
    if len(old_years) == len(new_years) == 1 and old_years[0].isdigit() and new_years[0].isdigit():
        return {old_years[0]: new_years[0]}
    return {}


def cells_by_key(old_cells: list[dict], new_cells: list[dict], year_moves: dict[str, str]) -> tuple[dict, dict]:
    """The cells of two matched tables keyed on comparable (row, column), the old side's moved
    table year renamed to the new one; the key both sides share is the same cell."""
    def key(cell: dict) -> tuple[str, str]:
        row, column = cell.get("row") or "", cell.get("column") or ""
        for old_year, new_year in year_moves.items():
            row, column = row.replace(old_year, new_year), column.replace(old_year, new_year)
        return text_to_comparable(row), text_to_comparable(column)

    old_by_key = {key(c): c for c in old_cells}
    new_by_key = {(text_to_comparable(c.get("row")), text_to_comparable(c.get("column"))): c for c in new_cells}
    return old_by_key, new_by_key


def cells_to_changes(a: dict, b: dict, old_cells: list[dict], new_cells: list[dict], year_moves: dict[str, str]) -> list[dict]:
    label = table_label(b)
    old_by_key, new_by_key = cells_by_key(old_cells, new_cells, year_moves)
    rows = []
    for k, c in old_by_key.items():
        d = new_by_key.get(k)
        name = f"{label} / {c.get('row')} / {c.get('column')}"
        if d is None:
            rows.append(change("table_cells", "removed", name, "value", c.get("value"), None, a.get("caption"), None, label))
        elif cell_value_key(c) != cell_value_key(d):
            rows.append(change("table_cells", "changed", f"{label} / {d.get('row')} / {d.get('column')}", "value", c.get("value"), d.get("value"), a.get("caption"), b.get("caption"), label))
    for k, d in new_by_key.items():
        if k not in old_by_key:
            rows.append(change("table_cells", "added", f"{label} / {d.get('row')} / {d.get('column')}", "value", None, d.get("value"), None, b.get("caption"), label))
    return rows


def tables_to_changes(old: EditionData, new: EditionData) -> tuple[list[dict], set[str], set[str]]:
    """Rows for tables and their cells; also the table ids (old, new) whose cells were comparable,
    so trade flows are compared only where the data exists on both sides."""
    old_tables, new_tables = old.records("tables"), new.records("tables")
    old_cells, new_cells = old.records("table_cells"), new.records("table_cells")
    pairs = match_tables(old_tables, new_tables)
    rows: list[dict] = []
    comparable_old, comparable_new = set(), set()
    for a, b in pairs:
        label = table_label(b)
        old_years, new_years = caption_years(a.get("caption")), caption_years(b.get("caption"))
        year_moves = {}
        if old_years != new_years:
            rows.append(change("tables", "changed", label, "year", ", ".join(old_years) or None, ", ".join(new_years) or None, a.get("caption"), b.get("caption"), label))
            year_moves = caption_year_moves(old_years, new_years)
        a_cells = [c for c in old_cells if c.get("table_id") == a.get("table_id")]
        b_cells = [c for c in new_cells if c.get("table_id") == b.get("table_id")]
        if a_cells and b_cells:
            comparable_old.add(a["table_id"])
            comparable_new.add(b["table_id"])
            rows.extend(cells_to_changes(a, b, a_cells, b_cells, year_moves))
        elif a_cells or b_cells:
            # printed as an image on one side: its numbers cannot be compared, say so once
            rows.append(change("tables", "changed", label, "data",
                               f"{len(a_cells)} cells" if a_cells else "image only (no data)",
                               f"{len(b_cells)} cells" if b_cells else "image only (no data)", a.get("caption"), b.get("caption"), label))
    matched_old = {id(a) for a, _ in pairs}
    matched_new = {id(b) for _, b in pairs}
    for a in old_tables:
        if id(a) not in matched_old:
            rows.append(change("tables", "removed", table_label(a), "caption", a.get("caption"), None, a.get("caption"), None, table_label(a)))
    for b in new_tables:
        if id(b) not in matched_new:
            rows.append(change("tables", "added", table_label(b), "caption", None, b.get("caption"), None, b.get("caption"), table_label(b)))
    return rows, comparable_old, comparable_new


def trade_flows_to_changes(old: EditionData, new: EditionData, comparable_old: set[str], comparable_new: set[str]) -> list[dict]:
    def key(flow: dict) -> tuple:
        return (flow.get("partner"), flow.get("flow"), flow.get("year"), flow.get("scope"), flow.get("product"))

    def name(flow: dict) -> str:
        parts = [flow.get("partner"), flow.get("flow"), show(flow.get("year")), flow.get("scope"), flow.get("product")]
        return " / ".join(p for p in parts if p)

    old_by_key = {key(f): f for f in old.records("trade_flows") if f.get("table_id") in comparable_old}
    new_by_key = {key(f): f for f in new.records("trade_flows") if f.get("table_id") in comparable_new}
    rows = []
    for k, f in old_by_key.items():
        g = new_by_key.get(k)
        if g is None:
            rows.append(change("trade_flows", "removed", name(f), "value", f.get("value"), None))
        elif not math.isclose(f.get("value") or 0.0, g.get("value") or 0.0, rel_tol=1e-9):
            rows.append(change("trade_flows", "changed", name(f), "value", f.get("value"), g.get("value")))
    for k, g in new_by_key.items():
        if k not in old_by_key:
            rows.append(change("trade_flows", "added", name(g), "value", None, g.get("value")))
    return rows


# ---------------------------------------------------------------- entities, acronyms, dates

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


# ---------------------------------------------------------------- all together

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
