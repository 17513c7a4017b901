"""A third party's markdown rendering of a CRS product, read as a *reference* to score readers against.

Used by tests/test_pdf_reader.py and benchmarks/quality.py; never by the pipeline itself (the
pipeline's markdown reader is extractors/readers/text.py). These functions only cut the
rendering into what a reader must reproduce: body sentences, table (row label, number) pairs, the
header's identity.
"""
from __future__ import annotations

import bisect
import re

from extractors.tables.table_cells import cell_text_to_number
from extractors.readers.text import lines_without_scripts

HEADER_FIELD_RE = re.compile(r"^\*\*(.+?):\*\*\s*(.*)$", re.M)
PUBLICATION_DATE_RE = re.compile(r"\*\*Publication Date:\*\*\s*\|?\s*(\d\d/\d\d/\d{4})")
BOX_LINE_STARTS = ("![", "**Source", "**Note", "Source:", "Sources:", "Notes:", "Note:")
LETTERED_NOTE_RE = re.compile(r"^(?:\*\*)?[a-z]\.(?:\*\*)?\s")
LINK_RE = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u201c\"(])")
SENTENCE_END_RE = re.compile(r"[.!?:;\"\u201d)]$")


def markdown_header(md: str) -> dict[str, str]:
    """The metadata header: 'Report No.', 'Version', 'Publication Date', 'title', ..."""
    head = md.split("\n---", 1)[0]
    fields = dict(HEADER_FIELD_RE.findall(head))
    fields["title"] = re.search(r"^# (.+)$", head, re.M).group(1).strip()
    if "Publication Date" not in fields:      # some headers only have it in the overview table
        fields["Publication Date"] = PUBLICATION_DATE_RE.search(md).group(1)
    return fields


def markdown_product(md: str) -> str:
    """The product as rendered: after the "[Listen](...)" navigation line, before footnotes / Disclaimer."""
    body = md.split("[Listen](", 1)[1].split("\n", 1)[1].lstrip()
    first, rest = body.split("\n", 1)
    if re.search(r"\(\s*[A-Z0-9-]+\)\s*$", first):   # "TitleUpdated April 13, 2026  (98-317)": identity
        body = rest
    body = re.split(r"^# Footnotes|^\s*Disclaimer:", body, maxsplit=1, flags=re.M)[0]
    return "\n".join(lines_without_scripts(body.split("\n")))


def table_note_lines(lines: list[str]) -> set[int]:
    """Lines of a table's or figure's note area: the Source/Notes lines, the lettered notes after
    them ("a. Amounts for ..."), and a plain paragraph standing between the two (R48694's Table 5)."""
    kinds = ["blank" if not s else "box" if s.startswith(BOX_LINE_STARTS) else "lettered" if LETTERED_NOTE_RE.match(s) else "plain" for s in lines]
    filled = [i for i, k in enumerate(kinds) if k != "blank"]
    notes: set[int] = set()
    for n, i in enumerate(filled):
        previous = kinds[filled[n - 1]] if n else None
        following = kinds[filled[n + 1]] if n + 1 < len(filled) else None
        if kinds[i] == "box" or (kinds[i] == "lettered" and filled[n - 1] in notes if n else False):
            notes.add(i)
        elif kinds[i] == "plain" and previous == "box" and following == "lettered":
            notes.add(i)
    return notes


def markdown_body(md: str) -> str:
    """The product's prose: tables, figure placeholders and source/note lines left out, links as their text."""
    lines = [line.strip() for line in markdown_product(md).splitlines()]
    notes = table_note_lines(lines)
    kept = []
    in_table = False
    for i, s in enumerate(lines):
        # a pipe table runs to the next blank line (cells with line breaks continue without "|")
        in_table = s.startswith("|") or (in_table and bool(s))
        if in_table or i in notes or s == "---":
            continue
        kept.append(s)
    text = LINK_RE.sub(r"\1", "\n".join(kept))
    return text.replace("**", "").replace("_", " ")


def fold(text: str) -> str:
    """Compare on letters and digits only: PDF spacing, quotes, dashes and hyphenation all differ from HTML."""
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text.lower())  # "119th": a superscript HTML drops
    return re.sub(r"[^0-9a-z]", "", text)


def body_sentences(md: str, min_words: int = 8) -> list[str]:
    sentences = []
    for para in markdown_body(md).split("\n"):
        for s in SENTENCE_SPLIT_RE.split(para):
            # headings and captions have no closing punctuation: they are not body sentences
            if len(s.split()) >= min_words and SENTENCE_END_RE.search(s.strip()):
                sentences.append(s)
    # the R48905 rendering prints its summary twice; a repeated sentence is counted once
    return list(dict.fromkeys(sentences))


def matched_in_order(sentences: list[str], text: str) -> float:
    """Fraction of sentences found in ``text`` in a consistent order.

    Each sentence is located (preferably after the previous sentence's match); the score is the
    longest chain of located sentences whose positions increase, so one sentence found out of
    place costs one sentence, not every sentence after it.
    """
    haystack = fold(text)
    positions, last = [], -1
    for s in sentences:
        # a sentence printed twice (summary and body) is taken after the previous match when it can be
        at = haystack.find(fold(s), last + 1)
        at = at if at >= 0 else haystack.find(fold(s))
        positions.append(at)
        last = at if at >= 0 else last
    tails: list[int] = []                       # patience sorting: longest increasing subsequence
    for pos in positions:
        if pos < 0:
            continue
        k = bisect.bisect_left(tails, pos)
        if k == len(tails):
            tails.append(pos)
        else:
            tails[k] = pos
    return len(tails) / len(sentences) if sentences else 1.0


def pipe_row_to_cells(line: str) -> list[str]:
    cells = [LINK_RE.sub(r"\1", c).replace("**", "").strip() for c in line.strip().strip("|").split("|")]
    return cells


def markdown_tables(md: str) -> list[list[list[str]]]:
    """The rendering's data tables, as rows of cells; one-cell boxes (figure placeholders) are not tables."""
    tables, current = [], []
    for line in markdown_product(md).splitlines() + [""]:
        s = line.strip()
        if s.startswith("|") and not re.fullmatch(r"\|?[\s:|-]+", s):
            current.append(pipe_row_to_cells(s))
            continue
        if len(current) >= 2 and max(len(r) for r in current) >= 2:
            tables.append(current)
        current = []
    return tables


def table_pairs(md: str) -> list[tuple[str, float]]:
    """(row label, number) for every numeric body cell of the rendering's tables; the first row is the header."""
    pairs = []
    for table in markdown_tables(md):
        for row in table[1:]:
            label = row[0]
            if not fold(label):
                continue
            for cell in row[1:]:
                number, _ = cell_text_to_number(cell)
                if number is not None:
                    pairs.append((label, number))
    return pairs
