"""What two editions' texts are compared in: comparable forms (typesetting noise dropped), sentences, word-level diffs."""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
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
