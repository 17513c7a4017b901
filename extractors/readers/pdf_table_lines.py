"""Table lines on a PDF page: words to lines, rule rows and phrases; caption, source and note blocks."""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.readers.pdf_layout import is_bold_font
from extractors.readers.pdf_settings import PDF_SETTINGS
from extractors.patterns import SOURCE_LABEL


BBox = tuple[float, float, float, float]

TABLE_CAPTION_RE = re.compile(r"^Table\s+(?:[A-Z]-?)?\d+\.$")
FIGURE_CAPTION_RE = re.compile(r"^Figure\s+(?:[A-Z]-?)?\d+\.$")
CONTINUED_RE = re.compile(r"\(\s*continued\s*\)\s*$", re.I)
SOURCE_START_RE = re.compile(rf"^({SOURCE_LABEL})\s*:", re.I)
TOC_LEADER_RE = re.compile(r"\.{4,}")
YEAR_LABEL_RE = re.compile(r"^(?:FY|CY)?(?:19|20)\d\d$")
UNITS_LINE_RE = re.compile(
    r"(?:\bin\s+(?:thousands|millions|billions|trillions)\b|\$|\bdollars\b|\bpercent\b|\bbudget authority\b)",
    re.I,
)
# footer lines of Insights and Legal Sidebars, printed higher than the report footer band
PAGE_FURNITURE_RE = re.compile(r"^(?:Congressional Research Service(?: \d+)?|https?://crsreports\.congress\.gov\S*|[A-Z]{1,3}\d{4,5}(?: \u00b7 VERSION \d+ \u00b7 \w+)?|\d{1,3})$")


@dataclass
class WordRow:
    """Every word at one height across the whole page, left to right: what a table's grid is read
    from. Not pdf_layout.Line, a typeset line of one column with its style and reading order: a
    table row crosses the page's columns, and the grid needs its words, not its text."""

    top: float
    bottom: float
    words: list[dict]

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    @property
    def x0(self) -> float:
        return min(w["x0"] for w in self.words)

    @property
    def x1(self) -> float:
        return max(w["x1"] for w in self.words)

    @property
    def size(self) -> float:
        # the largest size: a superscript footnote marker does not make a line small
        return max(w.get("size", 9.0) for w in self.words)

    @property
    def bold(self) -> bool:
        return all(map(word_is_bold, self.words))


def word_is_bold(word: dict) -> bool:
    return is_bold_font(str(word.get("fontname", "")))


@dataclass
class RuleRow:
    top: float
    segments: list[tuple[float, float]]

    @property
    def x0(self) -> float:
        return min(s[0] for s in self.segments)

    @property
    def x1(self) -> float:
        return max(s[1] for s in self.segments)


# ---------------------------------------------------------------- page geometry


def words_to_word_rows(words: list[dict]) -> list[WordRow]:
    """Group words into rows by their tops; mixed fonts on one row can differ by ~2 pt."""
    lines: list[WordRow] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1].top) < PDF_SETTINGS.line_tolerance:
            lines[-1].words.append(word)
            lines[-1].bottom = max(lines[-1].bottom, word["bottom"])
        else:
            lines.append(WordRow(word["top"], word["bottom"], [word]))
    for line in lines:
        line.words.sort(key=lambda w: w["x0"])
    return lines


def page_to_rule_rows(page) -> list[RuleRow]:
    """Thin horizontal rectangles and lines, grouped by height on the page. The tiny squares
    where a rule crosses a cell border are dropped so that each segment is one cell's width."""
    pieces = [
        (r["top"], r["x0"], r["x1"])
        for r in list(page.rects) + list(page.lines)
        if (r["bottom"] - r["top"]) <= PDF_SETTINGS.rule_thickness and (r["x1"] - r["x0"]) > PDF_SETTINGS.rule_min_length
        and PDF_SETTINGS.margin < r["top"] < page.height - PDF_SETTINGS.margin
    ]
    rows: list[RuleRow] = []
    for top, x0, x1 in sorted(pieces):
        if rows and abs(top - rows[-1].top) < PDF_SETTINGS.rule_row_tolerance:
            rows[-1].segments.append((x0, x1))
        else:
            rows.append(RuleRow(top, [(x0, x1)]))
    for row in rows:
        row.segments = dedupe_segments(row.segments)
    return rows


def dedupe_segments(segments: list[tuple[float, float]]) -> list[tuple[float, float]]:
    result: list[tuple[float, float]] = []
    for x0, x1 in sorted(segments):
        if result and abs(x0 - result[-1][0]) < PDF_SETTINGS.segment_dedupe and abs(x1 - result[-1][1]) < PDF_SETTINGS.segment_dedupe:
            continue
        result.append((x0, x1))
    return result


def line_to_word_runs(line: WordRow) -> list[list[dict]]:
    """Runs of words separated by ordinary spaces."""
    phrases: list[list[dict]] = []
    for word in line.words:
        if phrases and word["x0"] - phrases[-1][-1]["x1"] < PDF_SETTINGS.phrase_gap:
            phrases[-1].append(word)
        else:
            phrases.append([word])
    return phrases


def line_to_phrases(line: WordRow) -> list[tuple[float, float, str]]:
    """Runs of words separated by ordinary spaces: one phrase is one cell's text on that line."""
    return [(p[0]["x0"], p[-1]["x1"], " ".join(w["text"] for w in p)) for p in line_to_word_runs(line)]


def overlaps(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


# ---------------------------------------------------------------- captions and notes


def is_table_caption(line: WordRow) -> bool:
    words = [w["text"] for w in line.words]
    return len(words) >= 3 and bool(TABLE_CAPTION_RE.match(" ".join(words[:2]))) and not TOC_LEADER_RE.search(line.text)


def is_figure_caption(line: WordRow) -> bool:
    words = [w["text"] for w in line.words]
    return len(words) >= 3 and bool(FIGURE_CAPTION_RE.match(" ".join(words[:2]))) and not TOC_LEADER_RE.search(line.text)


def is_toc_entry(lines: list[WordRow], start: int) -> bool:
    """A "Table N." line in a list of tables: it or a line right after it has dot leaders."""
    return any(TOC_LEADER_RE.search(l.text) for l in lines[start:start + 3])


def caption_block(lines: list[WordRow], start: int) -> tuple[str, int]:
    """The caption and its wrapped continuation lines (same size, bold, close below)."""
    first = lines[start]
    parts = [first.text]
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if (line.top - lines[end - 1].bottom > first.size * PDF_SETTINGS.caption_line_gap or not line.bold
                or abs(line.size - first.size) > PDF_SETTINGS.caption_size_change):
            break
        parts.append(line.text)
        end += 1
    return " ".join(parts), end


def lines_in_column(lines: list[WordRow], x0: float, x1: float) -> list[WordRow]:
    """Only the words of each line that fall in [x0, x1] (two-column pages share line tops)."""
    result: list[WordRow] = []
    for line in lines:
        words = [w for w in line.words if w["x0"] >= x0 - PDF_SETTINGS.column_slack and w["x1"] <= x1 + PDF_SETTINGS.column_slack]
        if words:
            result.append(WordRow(min(w["top"] for w in words), max(w["bottom"] for w in words), words))
    return result


def source_block(lines: list[WordRow], start: int) -> tuple[str | None, str | None, float, int]:
    """Read "Source:" and "Notes:" paragraphs from ``start``; returns (source, notes, bottom, end)."""
    source: list[str] = []
    notes: list[str] = []
    current: list[str] | None = None
    bottom = lines[start - 1].bottom if start > 0 else 0.0
    index = start
    while index < len(lines):
        line = lines[index]
        label = SOURCE_START_RE.match(line.text)
        if label:
            current = source if label[1].lower().startswith("source") else notes
            current.append(line.text[label.end():].strip())
        elif current is not None and line.top - bottom < PDF_SETTINGS.max_source_gap and not is_table_caption(line) and not is_figure_caption(line):
            current.append(line.text)
        else:
            break
        bottom = line.bottom
        index += 1
    join = lambda parts: re.sub(r"\s+", " ", " ".join(parts)).strip() or None  # noqa: E731
    return join(source), join(notes), bottom, index
