"""Test helper: the seed text (and corpus markdown) cut into SectionTexts without spaCy.

The real pipeline builds sections from a ParsedDocument and spaCy sentence spans; tests of the
fact extractors only need something equivalent and independent of both, built here by rules:
cut at '#' heading lines, drop the Disclaimer, tables, captions and source notes (they become
RawTable/FigureRef in the pipeline), strip inline markup, and split sentences with a regex.
"""
from __future__ import annotations

import re
from datetime import date

from extractors.section_text import ExtractionContext, SectionText
from tests.corpus_paths import SEED_PATH

SEED_CONTEXT = ExtractionContext(report_date=date(2024, 11, 5), report_id="IF10199")

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")
INLINE_MARKUP_RE = re.compile(r"\*\*|</?b>|</?sup>|</?i>|</?em>|</?strong>")
NOT_PROSE_LINE_RE = re.compile(r"^(?:\*\*)?(?:Figure|Table)\s\d+\.|^(?:\*\*)?(?:Source|Sources|Notes?):|^---+$|^\|")
# Sentence ends at . ! ? (plus closing quotes/brackets) before a capital, quote or digit,
# unless the period belongs to an abbreviation such as "U.S." or "e.g.".
SENTENCE_END_RE = re.compile(r"[.!?][\"”’)\]]*\s+(?=[A-Z\"“(\d])")
ABBREVIATION_BEFORE_RE = re.compile(
    r"(?:\b(?:[A-Z]\.){1,4}|\b(?:e\.g|i\.e|Mr|Mrs|Ms|Dr|No|Nos|Sec|Stat|Pub|Rep|Sen|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
    r"Sept?|Oct|Nov|Dec|Inc|Co|Corp|Ltd|St|vs|v|pp?|Vol|Fed|Reg|al|Gov|Gen|Jr|Sr))\.$"
)


def markup_to_plain(line: str) -> str:
    return INLINE_MARKUP_RE.sub("", line).replace("\\$", "$").replace("\\%", "%")


def text_to_sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for m in SENTENCE_END_RE.finditer(text):
        head = text[start:m.start() + 1]
        if ABBREVIATION_BEFORE_RE.search(head) and not text[m.end():m.end() + 1].isdigit():
            # "U.S. Steel": an abbreviation, not a sentence end (unless followed by a new paragraph)
            if "\n\n" not in text[m.start():m.end()]:
                continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return tuple(spans)


def lines_to_section(section_id: str, heading: str, lines: list[str]) -> SectionText | None:
    paragraphs = [markup_to_plain(line.strip()) for line in lines]
    text = "\n".join(paragraphs).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if not text:
        return None
    return SectionText(section_id, heading, text, text_to_sentence_spans(text))


def markdown_to_sections(markdown: str) -> list[SectionText]:
    """Light markdown (the seed's format) -> content SectionTexts; the Disclaimer is dropped."""
    sections: list[SectionText] = []
    heading, lines = "", []
    counter = 0

    def flush() -> None:
        nonlocal counter
        if heading.strip().lower() == "disclaimer":
            return
        section = lines_to_section(f"s{counter + 1:03d}", heading, lines)
        if section is not None:
            sections.append(section)
            counter += 1

    for raw in markdown.splitlines():
        m = HEADING_RE.match(raw)
        if m:
            flush()
            heading, lines = markup_to_plain(m.group(2)).strip(), []
            continue
        if "\t" in raw or NOT_PROSE_LINE_RE.match(raw.strip()):
            continue  # table rows, captions and source notes are not prose
        lines.append(raw)
    flush()
    return sections


def seed_sections() -> list[SectionText]:
    return markdown_to_sections(SEED_PATH.read_text(encoding="utf-8"))


LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def corpus_markdown_to_sections(markdown: str) -> list[SectionText]:
    """A third-party corpus markdown rendering -> SectionTexts: drop the metadata header and
    the site navigation before the body, keep link texts, drop links' URLs."""
    body = markdown.split("\n---\n", 1)[-1]
    # the navigation block ends at the product's own "Updated/New <date>" banner line
    banner = re.search(r"^.*(?:Updated|New)\s+[A-Z][a-z]+ \d{1,2}, \d{4}.*$", body, re.M)
    if banner:
        body = body[banner.end():]
    body = LINK_RE.sub(r"\1", body)
    return markdown_to_sections(body)
