"""Find tables (and data-free figures) on a PDF page -> ``(bbox, RawTable | None)`` regions.

CRS reports draw tables as Word tables: a caption "Table N. ..." above, an optional units line,
horizontal rules printed as thin filled rectangles that are cut at every cell border, then
"Source:" / "Notes:" below. The rule segments therefore give the column boundaries exactly, and
the rules between lines tell which lines are separate rows; words are assigned to those columns.
A page that continues a table from the page before has no caption: it starts with rule-segmented
rows right under the running header. Captioned tables without rules fall back to pdfplumber's
"text" table strategy. Only pages with a caption or multi-column rules are examined at all.

A region with no caption is kept only when it continues a table (at the top of the page) and its
cells are short: a boxed prose sidebar (IF11175 page 1) has long prose cells and is rejected.
"""
from __future__ import annotations

from extractors.model import RawTable
from extractors.readers.pdf_table_lines import BBox, CONTINUED_RE, WordRow, PAGE_FURNITURE_RE, RuleRow, SOURCE_START_RE, TOC_LEADER_RE, UNITS_LINE_RE, caption_block, is_figure_caption, is_table_caption, is_toc_entry, line_to_phrases, lines_in_column, page_to_rule_rows, source_block, words_to_word_rows
from extractors.readers.pdf_table_grid import phrase_to_columns, region_to_grid, rows_are_labelled, rows_are_prose, rule_rows_to_columns, strip_empty_columns
from extractors.readers.pdf_settings import PDF_SETTINGS


# ---------------------------------------------------------------- page -> regions


def caption_to_table_region(
    lines: list[WordRow], start: int, rule_rows: list[RuleRow], page_number: int, page_width: float
) -> tuple[BBox, RawTable | None] | None:
    caption_line = lines[start]
    caption, after_caption = caption_block(lines, start)
    col_x0, col_x1 = caption_to_column_range(caption_line, lines, page_width)
    below = [l for l in lines_in_column(lines[after_caption:], col_x0, col_x1)]
    end_top = next((l.top for l in below if SOURCE_START_RE.match(l.text) or is_table_caption(l) or is_figure_caption(l)), None)
    rules = [r for r in rule_rows if r.top > caption_line.bottom and (end_top is None or r.top < end_top)
             and r.x0 >= col_x0 - PDF_SETTINGS.column_slack and r.x1 <= col_x1 + PDF_SETTINGS.column_slack]
    rules = drop_footnote_separators(rules)
    if not rules:
        return None
    x0, x1 = min(r.x0 for r in rules), max(r.x1 for r in rules)
    first_rule = rules[0].top
    units = " ".join(l.text for l in below if l.top < first_rule - PDF_SETTINGS.region_slack and not l.bold) or None
    if units and (len(units) > PDF_SETTINGS.units_max_chars or not UNITS_LINE_RE.search(units)):
        units = None
    bottom = end_top - PDF_SETTINGS.region_slack if end_top is not None else table_bottom_without_source(
        below, rules, x0, x1, footnote_separator_top(rule_rows, rules))
    grid = region_to_grid(below, rule_rows, first_rule, bottom, x0, x1)
    if grid is None:
        return None
    rows, header_rows = grid
    source = notes = None
    region_bottom = bottom
    source_start = next((i for i, l in enumerate(below) if l.top >= bottom - PDF_SETTINGS.region_slack and SOURCE_START_RE.match(l.text)), None)
    if source_start is not None:
        source, notes, region_bottom, _ = source_block(below, source_start)
    caption_text = CONTINUED_RE.sub("", caption).strip()
    table = RawTable(
        rows=tuple(tuple(r) for r in rows),
        header_rows=header_rows,
        caption=caption_text,
        units_note=units,
        source_note=source,
        notes=notes,
        page=page_number,
        method="pdfplumber-rules",
    )
    bbox = (min(x0, caption_line.x0), caption_line.top, max(x1, caption_line.x1), region_bottom)
    return bbox, table


def caption_to_column_range(caption_line: WordRow, lines: list[WordRow], page_width: float) -> tuple[float, float]:
    """The x-range a caption's table or figure may use: its half of a two-column page, else all."""
    half = page_width / 2
    if caption_line.x0 > half - PDF_SETTINGS.right_caption_offset:
        return half - PDF_SETTINGS.column_half_overlap, page_width
    if caption_line.x1 < half + PDF_SETTINGS.column_half_overlap and is_two_column(lines, page_width):
        return 0.0, half + PDF_SETTINGS.column_half_overlap
    return 0.0, page_width


def is_two_column(lines: list[WordRow], page_width: float) -> bool:
    """In Focus pages: many lines that end before the middle while others start after it."""
    left = sum(l.x1 < page_width / 2 + PDF_SETTINGS.two_column_slack for l in lines)
    right = sum(l.x0 > page_width / 2 - PDF_SETTINGS.two_column_slack for l in lines)
    return left > 10 and right > 10


def is_footnote_separator(rule: RuleRow, widest: float) -> bool:
    return len(rule.segments) == 1 and rule.x1 - rule.x0 < PDF_SETTINGS.footnote_separator_ratio * widest


def drop_footnote_separators(rules: list[RuleRow]) -> list[RuleRow]:
    """The short rule above a page's footnotes is not part of a table, nor is anything after it."""
    if not rules:
        return rules
    widest = max(r.x1 - r.x0 for r in rules)
    kept: list[RuleRow] = []
    for rule in rules:
        if is_footnote_separator(rule, widest):
            break
        kept.append(rule)
    return kept


def footnote_separator_top(rule_rows: list[RuleRow], table_rules: list[RuleRow]) -> float:
    """Top of the footnote rule below the table, or infinity: page footnotes are never rows."""
    if not table_rules:
        return float("inf")
    widest = max(r.x1 - r.x0 for r in table_rules)
    below = [r.top for r in rule_rows if r.top > table_rules[-1].top and is_footnote_separator(r, widest)]
    return min(below, default=float("inf"))


def is_lead_in_label(lines: list[WordRow], index: int) -> bool:
    """A row label that wraps and ends in a colon ("... exceeded these amounts:"): the line or
    the closely following lines it wraps onto end with ":"."""
    for offset in range(3):
        if index + offset >= len(lines):
            return False
        line = lines[index + offset]
        if offset and line.top - lines[index + offset - 1].top >= PDF_SETTINGS.cell_line_factor * line.size:
            return False
        if line.text.endswith(":"):
            return True
    return False


def table_bottom_without_source(
    below: list[WordRow], rules: list[RuleRow], x0: float, x1: float, limit: float = float("inf")
) -> float:
    """No "Source:" under the table on this page: the table runs to its last rule, and on to the
    page foot while the lines after that rule still look like its rows (it continues overleaf).
    A wide gap, a line outside the table, or regular-weight text running across a column border
    (prose, not a bold or "...:" group label) ends it."""
    last_rule = rules[-1].top
    columns = rule_rows_to_columns(rules)
    previous_bottom = last_rule
    accepted: list[WordRow] = []
    stopped_by_text = False
    for index, line in enumerate(below):
        if line.top <= last_rule:
            continue
        crosses = any(
            len(phrase_to_columns(a, b, columns)) > 1 and len(t.split()) >= PDF_SETTINGS.crossing_prose_words for a, b, t in line_to_phrases(line)
        )
        smaller = accepted and line.size < accepted[-1].size - PDF_SETTINGS.table_foot_size_drop  # footnotes at the page foot
        if (
            smaller
            or line.top > limit
            or line.x1 > x1 + PDF_SETTINGS.table_edge_slack
            or line.x0 < x0 - PDF_SETTINGS.table_edge_slack
            or line.top - previous_bottom > PDF_SETTINGS.table_row_gap * line.size
            or (crosses and not line.bold and not is_lead_in_label(below, index))
        ):
            stopped_by_text = True
            break
        accepted.append(line)
        previous_bottom = line.bottom
    # a lone bold line (or a lead-in ending in ":") closing the run is the next heading or
    # paragraph, not a row of the table
    # (at the page foot it is the label of the rows continued overleaf: keep it)
    while stopped_by_text and accepted and len(line_to_phrases(accepted[-1])) == 1 and (accepted[-1].bold or accepted[-1].text.endswith(":")):
        accepted.pop()
    return accepted[-1].bottom if accepted else last_rule


def continued_region(
    lines: list[WordRow], rule_rows: list[RuleRow], page_number: int, page_height: float
) -> tuple[BBox, RawTable] | None:
    """A caption-less table at the top of the page (a table continued from the page before)."""
    body_lines = [l for l in lines if PDF_SETTINGS.margin < l.top < page_height - PDF_SETTINGS.margin]
    if not body_lines:
        return None
    first_caption = next((l.top for l in body_lines if is_table_caption(l) or is_figure_caption(l)), page_height)
    split_rules = drop_footnote_separators([r for r in rule_rows if len(r.segments) >= 2 and r.top < first_caption])
    if not split_rules:
        return None
    x0, x1 = min(r.x0 for r in split_rules), max(r.x1 for r in split_rules)
    # the table must be the first thing on the page: no prose line above its first row
    first = body_lines[0]
    if (first.x1 > x1 + PDF_SETTINGS.table_edge_slack or first.x0 < x0 - PDF_SETTINGS.table_edge_slack
            or first.top > split_rules[0].top + PDF_SETTINGS.continued_table_top):
        return None
    end = next((l for l in body_lines if l.top > split_rules[0].top and SOURCE_START_RE.match(l.text)), None)
    top = min(first.top, split_rules[0].top)
    bottom = end.top - PDF_SETTINGS.region_slack if end is not None and end.top < first_caption else table_bottom_without_source(
        [l for l in body_lines if l.top < first_caption], split_rules, x0, x1, footnote_separator_top(rule_rows, split_rules))
    grid = region_to_grid(body_lines, rule_rows + [RuleRow(top - 0.5, split_rules[0].segments)], top - 0.5, bottom, x0, x1)
    if grid is None:
        return None
    rows, header_rows = grid
    long_rows = sum(any(len(c.split()) > PDF_SETTINGS.paragraph_words for c in r) for r in rows)
    if rows_are_prose(rows) or (long_rows >= 2 and not rows_are_labelled(rows[header_rows:])):
        return None  # a box of paragraphs (a cover-page summary) that happens to hold a table
    source = notes = None
    region_bottom = bottom
    if end is not None and end.top < first_caption:
        start = body_lines.index(end)
        source, notes, region_bottom, _ = source_block(body_lines, start)
    table = RawTable(
        rows=tuple(tuple(r) for r in rows), header_rows=header_rows, caption=None, source_note=source,
        notes=notes, page=page_number, method="pdfplumber-rules",
    )
    return (x0, top, x1, region_bottom), table


def caption_to_text_strategy_table(page, lines: list[WordRow], start: int) -> tuple[BBox, RawTable] | None:
    """A captioned table without rules: pdfplumber's "text" strategy inside the caption-to-source
    region, kept only when it finds a real grid of short cells."""
    caption, after = caption_block(lines, start)
    end = next((l for l in lines[after:] if SOURCE_START_RE.match(l.text) or is_table_caption(l) or is_figure_caption(l)), None)
    if end is None or end.top - lines[after - 1].bottom < PDF_SETTINGS.text_table_min_height:
        return None
    region = (0, lines[after - 1].bottom + PDF_SETTINGS.region_slack, page.width, end.top - PDF_SETTINGS.region_slack)
    settings = {"vertical_strategy": "text", "horizontal_strategy": "text", "min_words_vertical": 3}
    found = page.crop(region).find_tables(settings)
    if not found:
        return None
    rows = [[(c or "").replace("\n", " ").strip() for c in r] for r in found[0].extract()]
    rows = strip_empty_columns([r for r in rows if any(r)])
    if len(rows) < 2 or len(rows[0]) < 2 or rows_are_prose(rows) or any(TOC_LEADER_RE.search(c) for r in rows for c in r):
        return None
    source, notes, bottom, _ = source_block(lines, lines.index(end))
    table = RawTable(rows=tuple(tuple(r) for r in rows), header_rows=1, caption=caption, source_note=source,
                     notes=notes, page=page.page_number, method="pdfplumber-text")
    return (region[0], lines[start].top, region[2], bottom), table


def figure_caption_to_region(page, lines: list[WordRow], start: int) -> tuple[BBox, None] | None:
    """A "Figure N." caption over an image or chart: the region down to its source note, so the
    chart's own labels do not read as prose. The figure itself carries no cells."""
    caption_line = lines[start]
    col_x0, col_x1 = caption_to_column_range(caption_line, lines, page.width)
    below = lines_in_column(lines[start + 1:], col_x0, col_x1)
    source_at = next((i for i, l in enumerate(below) if SOURCE_START_RE.match(l.text)), None)
    if source_at is None or below[source_at].top - caption_line.bottom > PDF_SETTINGS.figure_source_max_gap:
        return None
    _, _, bottom, _ = source_block(below, source_at)
    return (col_x0, caption_line.top, col_x1, bottom), None


def words_to_page_lines(words: list[dict], page_width: float, page_height: float) -> list[WordRow]:
    """Lines of the page body, column by column on a two-column page (left column first), so a
    caption in one column is not glued to the text beside it. The running header and footer
    ("Congressional Research Service 9") are left out: they are never table rows."""
    words = [w for w in words if PDF_SETTINGS.margin < w["top"]
             and w["bottom"] < page_height - PDF_SETTINGS.margin + PDF_SETTINGS.footer_word_allowance]
    footer = [l for l in words_to_word_rows(words) if l.top > page_height * PDF_SETTINGS.page_footer_ratio and PAGE_FURNITURE_RE.match(l.text)]
    furniture = {id(w) for l in footer for w in l.words}
    words = [w for w in words if id(w) not in furniture]
    lines = words_to_word_rows(words)
    if not is_two_column(lines, page_width):
        return lines
    middle = page_width / 2
    left = [w for w in words if w["x0"] < middle - PDF_SETTINGS.two_column_slack]
    right = [w for w in words if w["x0"] >= middle - PDF_SETTINGS.two_column_slack]
    return words_to_word_rows(left) + words_to_word_rows(right)


def page_has_candidates(page) -> bool:
    """Cheap pre-check on characters: a "Table"/"Figure" word or rules cut into cells."""
    text = "".join(c["text"] for c in page.chars[:20000])
    return "Table" in text or "Figure" in text or "continued" in text


def page_to_tables(page, words: list[dict] | None = None) -> list[tuple[BBox, RawTable | None]]:
    """Every table region on the page with its RawTable, and every figure region with None.

    ``words`` are the page's ``extract_words(extra_attrs=["fontname", "size"])`` when the caller
    already has them (the PDF reader does): extracting words is most of a page's cost."""
    rule_rows = page_to_rule_rows(page)
    split_rules = [r for r in rule_rows if len(r.segments) >= 2]
    if not split_rules and not page_has_candidates(page):
        return []
    if words is None:
        words = page.extract_words(extra_attrs=["fontname", "size"])
    lines = words_to_page_lines(words, page.width, page.height)
    regions: list[tuple[BBox, RawTable | None]] = []
    continued = continued_region(lines, rule_rows, page.page_number, page.height)
    if continued:
        regions.append(continued)
    for index, line in enumerate(lines):
        if is_toc_entry(lines, index):
            continue
        if is_table_caption(line):
            region = caption_to_table_region(lines, index, rule_rows, page.page_number, page.width)
            if region is None:
                region = caption_to_text_strategy_table(page, lines, index)
            if region is not None and not rows_are_prose([list(r) for r in region[1].rows]):
                regions.append(region)
        elif is_figure_caption(line):
            figure = figure_caption_to_region(page, lines, index)
            if figure is not None:
                regions.append(figure)
    return regions


# ---------------------------------------------------------------- across pages


def same_columns(a: RawTable, b: RawTable) -> bool:
    return bool(a.rows) and bool(b.rows) and len(a.rows[0]) == len(b.rows[0])


def span_row_to_label_row(row: tuple[str, ...]) -> tuple[str, ...]:
    """A header row repeating one spanning title in every column -> that title as a row label."""
    texts = {c for c in row if c}
    if len(texts) == 1:
        return (texts.pop(),) + ("",) * (len(row) - 1)
    return row


def merge_continued_tables(tables: list[RawTable]) -> list[RawTable]:
    """Join a table continued on the next page(s) onto the one it continues: the continuation has
    no caption, a "(continued)" caption, or the same caption; the same number of columns; and the
    first part has no source note yet (the note prints once, under the last part). A header the
    continuation repeats is dropped."""
    merged: list[RawTable] = []
    last_pages: list[int | None] = []
    for table in tables:
        previous = merged[-1] if merged else None
        caption = CONTINUED_RE.sub("", table.caption or "").strip()
        continues = (
            previous is not None
            and last_pages[-1] is not None
            and table.page == last_pages[-1] + 1
            and previous.source_note is None
            and same_columns(previous, table)
            and (not caption or caption == (previous.caption or ""))
        )
        if not continues:
            merged.append(table)
            last_pages.append(table.page)
            continue
        body = table.rows
        repeated = previous.rows[: previous.header_rows]
        if table.header_rows and body[: table.header_rows] == repeated:
            body = body[table.header_rows:]
        elif table.header_rows and previous.header_rows == 0:
            # what looked like a header on the continuation page is the table's own group labels
            body = tuple(span_row_to_label_row(r) for r in body[: table.header_rows]) + body[table.header_rows:]
        elif table.header_rows:
            # a continuation whose header differs is not safely the same table: keep it apart
            merged.append(table)
            last_pages.append(table.page)
            continue
        merged[-1] = RawTable(
            rows=previous.rows + body,
            header_rows=previous.header_rows,
            caption=previous.caption,
            units_note=previous.units_note or table.units_note,
            source_note=table.source_note,
            notes=table.notes or previous.notes,
            page=previous.page,
            method=previous.method,
            stub_columns=previous.stub_columns,
        )
        last_pages[-1] = table.page
    return merged
