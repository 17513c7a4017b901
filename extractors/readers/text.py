"""Plain text and markdown CRS renderings -> ParsedDocument.

Two shapes are seen in the wild:
- the seed text (IF10199, 2024-11-05): ``Updated <date>``, ``##`` title, ``###`` headings, ``**bold**``,
  ``<b>`` tags, ``\\$`` escapes, a tab-separated figure, authors at the end, then ``## Disclaimer``;
- third-party markdown of CRS web pages: a metadata header (``**Report No.:**``...), site navigation,
  then the body with headings as bare lines, pipe tables, ``# Footnotes`` as a pipe list.
"""
from __future__ import annotations

import re

from extractors.model import Block, FigureRef, Footnote, ParsedDocument, RawTable
from extractors.identity import us_date_to_iso
from extractors.patterns import CAPTION_LABEL, SOURCE_LABEL

HEADER_FIELD_RE = re.compile(r"^\*\*(?P<key>[^*:]+):\*\*\s*(?P<value>.*)$")
OVERVIEW_ROW_RE = re.compile(r"^\|\s*\*\*(?P<key>[^*:]+):\*\*\s*\|\s*(?P<value>.*?)\s*\|?\s*$")
LISTEN_LINE_RE = re.compile(r"^\[Listen\]\([^)]*\)(?P<rest>.*)$")
LINK_RE = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
UPDATED_LINE_RE = re.compile(r"^(?:Updated\s+)?(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})$")
ATX_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*$")
RUN_IN_HEADING_RE = re.compile(r"^\*\*(?P<heading>[^*]{2,80}?)\.\*\*\s+(?P<rest>\S.*)$", re.S)
AUTHOR_LINE_RE = re.compile(
    r"^\*\*(?P<name>[^*,]+?)(?:,\s*(?P<coord>Coordinator))?\*\*\s*,\s*(?P<role>[^*]+?)\s*$"
)
CAPTION_RE = re.compile(rf"^(?:\|\s*)?(?:\*\*)?(?P<caption>{CAPTION_LABEL}\s.*?)(?:\*\*)?\s*$")
SOURCE_RE = re.compile(
    rf"^(?:\|\s*)?\*\*(?P<key>{SOURCE_LABEL})(?::\s*\*\*|\*\*\s*:)\s*(?P<text>.*)$|^(?:\|\s*)?(?P<key2>{SOURCE_LABEL}):\s+(?P<text2>.*)$", re.S
)
FOOTNOTE_ROW_RE = re.compile(r"^\|\s*(?P<number>\d+)\.\s*\|\s*(?P<text>.*?)\s*$")
LETTERED_NOTE_RE = re.compile(r"^[a-z]\.\s+\S")
SCRIPT_START_RE = re.compile(r"^\$\(\s*function\s*\(")
SCRIPT_END = "});"
SCRIPT_COMMENT_RE = re.compile(r"^\|?\s*//")
CHART_SUMMARY_END = "End of interactive chart."
NON_CONTENT_HEADINGS = {"contents", "tables", "figures", "appendixes", "footnotes", "crs product (library of congress)"}
TERMINAL_PUNCTUATION = (".", "?", "!", ":", '"', "\u201d", ")", ";")


def strip_inline_markup(text: str) -> str:
    """Markup is not data: links keep their text, emphasis and escapes go."""
    text = LINK_RE.sub(r"\1", text)
    text = re.sub(r"</?(?:b|strong|i|em|u|sup|sub|span|a)\b[^>]*>", "", text)
    text = text.replace("**", "").replace("\\$", "$").replace("\\_", "_").replace("\\*", "*")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return text.strip()


def decode_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_to_header_hints(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read the third-party metadata header; returns hints and the index of the first body line."""
    hints: dict[str, str] = {}
    if not lines or not lines[0].startswith("# "):
        return hints, 0
    end = 0
    for i, line in enumerate(lines[1:30], start=1):
        if line.strip() == "---":
            end = i + 1
            break
        match = HEADER_FIELD_RE.match(line.strip())
        if match:
            hints.update(header_field_to_hints(match["key"], match["value"]))
    if not hints.get("report_id"):
        return {}, 0
    hints.setdefault("title", lines[0][2:].strip())
    return hints, end


def header_field_to_hints(key: str, value: str) -> dict[str, str]:
    key = key.strip().lower()
    value = value.strip()
    if key in ("report no.", "crs product number"):
        return {"report_id": value}
    if key == "version":
        return {"version": value}
    if key == "publication date":
        iso = us_date_to_iso(value)
        return {"date": iso} if iso else {}
    if key in ("product type", "crs product type"):
        return {"product_type": value}
    if key in ("author(s)", "authors", "author"):
        return {"authors": value}
    return {}


def body_to_paragraphs(lines: list[str]) -> list[str]:
    """Blank lines separate paragraphs; a run of table lines stays one paragraph."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs_with_cell_breaks_joined(paragraphs)


def paragraphs_with_cell_breaks_joined(paragraphs: list[str]) -> list[str]:
    """A table cell holding two paragraphs is printed by web markdown with a blank line inside the
    row: the cell's second paragraph, then the next row (IN12680 Table 1, "... from two to four
    months." / "Applies to banks with less than $10 billion ..." / "| Stress Tests | ..."). A
    paragraph that starts with text and goes on with pipe rows, right after a pipe table, is that
    table going on: its first lines continue the last cell; so does a paragraph between a pipe
    table and its Source / Notes line (the last row's second paragraph, "Applies to all Category 1
    banks.", IN12680 Table 1: the PDF prints it in the cell)."""
    joined: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        lines = paragraph.split("\n")
        after_table = bool(joined) and joined[-1].split("\n")[-1].lstrip().startswith("|") and not lines[0].lstrip().startswith("|")
        before_source = index + 1 < len(paragraphs) and is_source_paragraph(paragraphs[index + 1])
        continues_table = after_table and (
            any(line.lstrip().startswith("|") for line in lines[1:])
            or (before_source and not any(line.lstrip().startswith("|") for line in lines)
                and not CAPTION_RE.match(lines[0]) and not is_source_paragraph(paragraph))
        )
        if continues_table:
            joined[-1] = joined[-1] + "\n" + paragraph
        else:
            joined.append(paragraph)
    return joined


def source_match(paragraph: str) -> re.Match | None:
    """A "Source:" / "Notes:" paragraph; an empty bold run ("**Note****s****:**", R47194) is no markup."""
    return SOURCE_RE.match(paragraph.strip().lstrip("| ").replace("****", ""))


def is_source_paragraph(paragraph: str) -> bool:
    return source_match(paragraph) is not None


def paragraphs_with_box_notes_split(paragraphs: list[str]) -> tuple[list[str], set[int]]:
    """A boxed sidebar ends with its own "Sources:" / "Notes:" lines inside its paragraph ("|
    Mexico's Economy" ... "Sources: Economist Intelligence Unit ...", IF11175; R48905's relocation
    box): each becomes a paragraph of its own, as the PDF prints it apart from the box's text.
    Returns the paragraphs and the indices of those notes (they belong to no table or figure)."""
    out: list[str] = []
    notes: set[int] = set()
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        starts = [i for i, line in enumerate(lines) if i and source_match(line)]
        if not starts or is_table_paragraph(paragraph) or CAPTION_RE.match(lines[0]):
            out.append(paragraph)
            continue
        for a, b in zip([0] + starts, starts + [len(lines)]):
            if a:
                notes.add(len(out))
            out.append("\n".join(lines[a:b]))
    return out, notes


def is_bare_heading(paragraph: str) -> bool:
    """Markdown from CRS web pages prints headings as short lines of their own."""
    text = strip_inline_markup(paragraph)
    if "\n" in paragraph or not text or len(text) > 100 or len(text.split()) > 14:
        return False
    if text.endswith(TERMINAL_PUNCTUATION[:-1] + (",",)) or text.startswith(("-", "|", "(")):
        return False
    return text[0].isupper() or text[0].isdigit()


def is_table_paragraph(paragraph: str) -> bool:
    lines = paragraph.split("\n")
    tabbed = sum("\t" in line for line in lines)
    piped = sum(line.lstrip().startswith("|") for line in lines)
    return tabbed >= 2 or piped >= 2


def should_join(previous: Block, paragraph_text: str) -> bool:
    """A paragraph cut by a page or column break ends mid-sentence and resumes in lowercase."""
    return (
        previous.kind == "paragraph"
        and not previous.text.rstrip().endswith(TERMINAL_PUNCTUATION)
        and paragraph_text[:1].islower()
    )


def paragraphs_to_document(paragraphs: list[str], hints: dict[str, str]) -> ParsedDocument:
    doc = ParsedDocument(source_format="markdown" if hints.get("report_id") else "text", pages=1)
    doc.hints.update(hints)
    paragraphs, box_notes = paragraphs_with_box_notes_split(paragraphs)
    blocks = doc.blocks
    hash_levels = sorted({len(m["hashes"]) for p in paragraphs if (m := ATX_HEADING_RE.match(p))})
    pending_caption: str | None = None
    pending_units: str | None = None
    in_boilerplate = False
    skipping_toc = False
    for index, raw in enumerate(paragraphs):
        paragraph = raw.strip()
        if paragraph in ("---", "***") or paragraph.startswith("[Jump to Main Text"):
            continue
        plain = strip_inline_markup(paragraph)
        if in_boilerplate:
            blocks.append(Block("boilerplate", plain))
            continue
        if plain.rstrip(":").strip().lower() == "disclaimer" or plain.lower().startswith("disclaimer:"):
            in_boilerplate = True
            blocks.append(Block("boilerplate", plain))
            continue
        heading = ATX_HEADING_RE.match(paragraph)
        if heading:
            text = strip_inline_markup(heading["text"])
            if text.lower().rstrip(":") == "disclaimer":
                in_boilerplate = True
                blocks.append(Block("boilerplate", text))
                continue
            if text.lower() in NON_CONTENT_HEADINGS:
                skipping_toc = text.lower() != "footnotes"
                if text.lower() == "footnotes":
                    doc.footnotes.extend(footnote_rows_to_footnotes(paragraphs[index + 1:]))
                    in_boilerplate = False
                    break
                continue
            skipping_toc = False
            if "title" not in doc.hints or (not any(b.kind == "title" for b in blocks) and text == doc.hints["title"]):
                doc.hints.setdefault("title", text)
                blocks.append(Block("title", text))
                continue
            level = hash_levels.index(len(heading["hashes"])) if len(hash_levels) > 1 else 1
            blocks.append(Block("heading", text, level=max(level, 1)))
            continue
        if skipping_toc and all(line.lstrip().startswith("- ") for line in paragraph.split("\n")):
            continue
        skipping_toc = False
        updated = UPDATED_LINE_RE.match(plain)
        if updated and len(blocks) < 3:
            iso = us_date_to_iso(updated["date"])
            if iso:
                doc.hints.setdefault("date", iso)
                doc.hints.setdefault("date_text", plain.strip())
            continue
        if blocks and blocks[-1].kind == "source_note" and is_table_note(plain, paragraphs[index + 1:index + 2]):
            blocks.append(Block("source_note", plain))
            continue
        lines = paragraph.split("\n")
        caption = CAPTION_RE.match(lines[0])
        if caption and lines[0].lstrip().startswith("|"):
            # Web markdown boxes a caption with its figure: "| Figure 1. ...", units, "|", "| Source: ...".
            pending_caption = strip_inline_markup(caption["caption"])
            blocks.append(Block("caption", pending_caption))
            rest = lines[1:]
            if is_table_paragraph("\n".join(rest)) and (table := table_paragraph_to_table("\n".join(rest), pending_caption)):
                doc.tables.append(table)
            else:
                doc.figures.append(FigureRef(pending_caption, boxed_source_note(rest)))
            pending_caption = None
            continue
        if is_table_paragraph(paragraph):
            table = table_paragraph_to_table(paragraph, pending_caption)
            if isinstance(table, RawTable):
                if pending_units and not table.units_note:
                    table = RawTable(**{**table.__dict__, "units_note": pending_units})
                doc.tables.append(table)
            elif pending_caption:
                doc.figures.append(FigureRef(pending_caption))
            pending_caption = pending_units = None
            continue
        if caption:
            # A caption may wrap onto a second line ("Table 1. ... Funding,\nFY2024-FY2026 Request").
            pending_caption = strip_inline_markup(" ".join(line.strip() for line in lines))
            pending_units = None
            blocks.append(Block("caption", pending_caption))
            continue
        source = source_match(paragraph)
        if source:
            note = strip_inline_markup(source["text"] if source["text"] is not None else source["text2"])
            blocks.append(Block("source_note", strip_inline_markup(paragraph.lstrip("| "))))
            if index not in box_notes:
                attach_source_note(doc, note if (source["key"] or source["key2"]).startswith("Source") else None)
            continue
        authors = [AUTHOR_LINE_RE.match(line.strip()) for line in paragraph.split("\n")]
        if all(authors):
            for match in authors:
                name = match["name"].strip()
                suffix = ", Coordinator" if match["coord"] else ""
                blocks.append(Block("author", f"{name}{suffix}, {match['role'].strip()}"))
            continue
        if pending_caption and plain.lower().startswith(("current", "u.s. $", "(", "in ")) and len(plain) < 80:
            pending_units = plain  # a units line between a caption and its table
            continue
        if pending_caption and len(plain) < 80 and index + 1 < len(paragraphs) and is_table_paragraph(paragraphs[index + 1]):
            # a subtitle between a caption and its table ("as of January 2026", R48905 Table 1;
            # "FY1936-FY2026 (Selected Years)", R48725 Table A-1): the PDF prints it in the table's
            # region, never as body text
            continue
        if doc.source_format == "markdown" and is_bare_heading(paragraph) and index + 1 < len(paragraphs):
            blocks.append(Block("heading", plain, level=1))
            continue
        run_in = RUN_IN_HEADING_RE.match(paragraph)
        if run_in and len(run_in["heading"].split()) <= 8:
            blocks.append(Block("heading", strip_inline_markup(run_in["heading"]), level=2))
            paragraph = run_in["rest"]
            plain = strip_inline_markup(paragraph)
        for item in list_items(paragraph):
            text = strip_inline_markup(item)
            if not text:
                continue
            if blocks and should_join(blocks[-1], text):
                blocks[-1] = Block("paragraph", blocks[-1].text.rstrip() + " " + text, page=blocks[-1].page)
            else:
                blocks.append(Block("paragraph", text))
    return doc


def is_table_note(plain: str, following: list[str]) -> bool:
    """After a table's Source/Notes: a lettered note ("a. Amounts for the proposed NIBS ...") or a
    paragraph leading into one (R48694 Table 5), as the PDF prints them under the table."""
    if LETTERED_NOTE_RE.match(plain):
        return True
    return bool(following) and bool(LETTERED_NOTE_RE.match(strip_inline_markup(following[0].strip())))


def boxed_source_note(lines: list[str]) -> str | None:
    for line in lines:
        match = SOURCE_RE.match(line.strip().lstrip("| "))
        if match and (match["key"] or match["key2"]).startswith("Source"):
            return strip_inline_markup(match["text"] if match["text"] is not None else match["text2"])
    return None


def list_items(paragraph: str) -> list[str]:
    lines = paragraph.split("\n")
    if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
        return [line.lstrip()[2:] for line in lines]
    return [" ".join(line.strip() for line in lines)]


def attach_source_note(doc: ParsedDocument, note: str | None) -> None:
    if not note:
        return
    if doc.tables and doc.tables[-1].source_note is None:
        last = doc.tables[-1]
        doc.tables[-1] = RawTable(**{**last.__dict__, "source_note": note})
    elif doc.figures and doc.figures[-1].source_note is None:
        last = doc.figures[-1]
        doc.figures[-1] = FigureRef(last.caption, note, last.page)


def table_paragraph_to_table(paragraph: str, caption: str | None) -> RawTable | None:
    # The table parsers belong to the tables stage; imported here so readers stay thin.
    from extractors.readers import text_tables

    lines = paragraph.split("\n")
    if sum("\t" in line for line in lines) >= 2:
        return text_tables.tsv_block_to_table(lines, caption, None)
    return text_tables.pipe_table_to_table(lines, caption)


def footnote_rows_to_footnotes(paragraphs: list[str]) -> list[Footnote]:
    footnotes: list[Footnote] = []
    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            match = FOOTNOTE_ROW_RE.match(line.strip())
            if match:
                footnotes.append(Footnote(match["number"], strip_inline_markup(match["text"])))
            elif footnotes and line.strip() and not line.lstrip().startswith(("|", "#")):
                last = footnotes[-1]
                footnotes[-1] = Footnote(last.number, last.text + " " + strip_inline_markup(line))
    return footnotes


def lines_without_scripts(lines: list[str]) -> list[str]:
    """Interactive charts come through the HTML-to-markdown conversion as their JavaScript
    (``$(function () { ... });``, R48725's Highcharts figures), followed by the chart's generated
    accessibility summary ("...End of interactive chart."); neither is printed in the report."""
    kept: list[str] = []
    in_script = False
    for line in lines:
        s = line.strip()
        if not in_script and SCRIPT_START_RE.match(s):
            in_script = True
        if in_script:
            in_script = line.rstrip() != SCRIPT_END  # the unindented close: nested blocks close indented
            continue
        if s.endswith(CHART_SUMMARY_END) or SCRIPT_COMMENT_RE.match(s):
            continue
        kept.append(line)
    return kept


def skip_web_preamble(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Web markdown repeats the title and an overview table before the ``[Listen]`` line."""
    hints: dict[str, str] = {}
    for i, line in enumerate(lines):
        row = OVERVIEW_ROW_RE.match(line.strip())
        if row:
            hints.update(header_field_to_hints(row["key"], row["value"]))
        listen = LISTEN_LINE_RE.match(line.strip())
        if listen:
            # The identity line ("<title> Updated April 16, 2026 (IF11175)") may wrap onto the next
            # lines, followed by a "[Jump to Main Text]" link; none of it is content.
            end = i + 1
            header = [listen["rest"]]
            while end < len(lines) and not lines[end].strip() and not listen["rest"].strip():
                end += 1
            while end < len(lines) and lines[end].strip() and (
                lines[end].lstrip().startswith("[Jump to") or re.search(r"\(\s*[A-Z0-9-]{5,10}\s*\)\s*$", lines[end])
            ):
                header.append(lines[end])
                end += 1
            date = re.search(r"(?:Updated\s+)?([A-Z][a-z]+ \d{1,2}, \d{4})", " ".join(header))
            if date and us_date_to_iso(date[1]):
                hints["date"] = us_date_to_iso(date[1])
                hints["date_text"] = date[0]
            return lines[end:], hints
    return lines, hints


def text_to_document(text: str) -> ParsedDocument:
    lines = lines_without_scripts(text.split("\n"))
    hints, body_start = text_to_header_hints(lines)
    body = lines[body_start:]
    if hints:
        body, page_hints = skip_web_preamble(body)
        # The header's own fields win; the overview table fills what it lacks.
        hints = {**page_hints, **hints} if "date" in hints else {**hints, **page_hints}
    doc = paragraphs_to_document(body_to_paragraphs(body), hints)
    if hints.get("title") and not any(b.kind == "title" for b in doc.blocks):
        doc.blocks.insert(0, Block("title", hints["title"]))
    return doc
