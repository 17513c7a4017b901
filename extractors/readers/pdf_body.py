"""Which lines are body text: body style, page furniture, footnote areas, table-of-contents pages; joining line texts."""
from __future__ import annotations

import re
from collections import Counter

from extractors.model import Footnote
from extractors.identity import FOOTER_IDENTITY_RE
from extractors.readers.pdf_layout import Line, font_family
from extractors.readers.pdf_pages import FULL_REPORT_TOC_HEADINGS, PAGE_NOISE_RE, PageLines, REPORT_NUMBER_LINE_RE, TOC_LEADER_RE
from extractors.readers.pdf_settings import PDF_SETTINGS


def body_style(pages: list[PageLines]) -> tuple[float, str]:
    """The most common (size, font family) by characters: the body text style."""
    sizes: Counter = Counter()
    fonts: Counter = Counter()
    for page in pages:
        # prose lines are wide (table cells are split at their gaps); footnotes are not body
        for ln in page.lines:
            if ln.x1 - ln.x0 < PDF_SETTINGS.body_line_width_ratio * page.width or (page.footnote_top and ln.top > page.footnote_top):
                continue
            sizes[ln.size] += len(ln.text)
            fonts[(ln.size, font_family(ln.fontname))] += len(ln.text)
    if not sizes:  # a page of only narrow lines (a photo page with a caption): take every line
        for page in pages:
            for ln in page.lines:
                sizes[ln.size] += len(ln.text)
                fonts[(ln.size, font_family(ln.fontname))] += len(ln.text)
    if not sizes:
        raise ValueError("no text layer (scanned PDF?)")
    size = sizes.most_common(1)[0][0]
    family = max((f for f in fonts if f[0] == size), key=lambda f: fonts[f])[1]
    return size, family


def is_noise(ln: Line, page: PageLines, body_size: float, title: str) -> bool:
    text = ln.text.strip()
    if "crsreports.congress.gov" in text or FOOTER_IDENTITY_RE.search(text):
        return True
    if PAGE_NOISE_RE.match(text) or REPORT_NUMBER_LINE_RE.match(text):
        return True
    # running header: small type in the top margin (the title repeated)
    if ln.top < PDF_SETTINGS.page_header_band and (ln.size < body_size or text == title):
        return True
    # running footer region
    if ln.top > page.height - PDF_SETTINGS.page_footer_band and ln.size < body_size:
        return True
    return False


def split_footnote_lines(page: PageLines, body_size: float, continuing: bool) -> tuple[list[Line], list[Line]]:
    """Body lines and footnote lines (below the footnote rule).

    A short rule is also drawn by tables and boxes, so the area below it counts as footnotes only if
    it is all small type, starts right under the rule, and holds a numbered footnote (at its top,
    or lower when the top continues the previous page's last footnote). A page that only continues
    a footnote is not caught: table notes under a table rule look exactly like that.
    """
    if page.footnote_top is None:
        return page.lines, []
    body = [ln for ln in page.lines if ln.top < page.footnote_top]
    notes = [ln for ln in page.lines if ln.top >= page.footnote_top and ln.top < page.height - PDF_SETTINGS.page_footer_band]
    if not notes or any(ln.size >= body_size - PDF_SETTINGS.footnote_size_drop for ln in notes):
        return page.lines, []
    first = min(notes, key=lambda ln: ln.top)
    opens = first.lead_marker or (continuing and any(ln.lead_marker for ln in notes))
    if first.top - page.footnote_top > PDF_SETTINGS.footnote_rule_gap or not opens:
        return page.lines, []
    furniture = [ln for ln in page.lines if ln.top >= page.height - PDF_SETTINGS.page_footer_band]
    return body + furniture, notes


def footnote_lines_to_footnotes(lines: list[Line], notes: list[Footnote], vocabulary: frozenset[str]) -> list[Footnote]:
    """``notes`` followed by these lines' footnotes: a line with a leading raised number opens a
    footnote, others continue the last one (which may be one of ``notes``, from the page before)."""
    out = list(notes)
    for ln in lines:
        if ln.lead_marker:
            out.append(Footnote(ln.lead_marker, ln.text, ln.page))
        elif out:
            last = out[-1]
            out[-1] = Footnote(last.number, join_line_texts(last.text, ln.text, vocabulary), last.page)
    return out


def is_toc_page(lines: list[Line], body_size: float) -> bool:
    """A contents / list-of-figures page: a "Contents" heading or mostly dotted leaders."""
    if any(ln.text.strip() == "Contents" and ln.size > body_size for ln in lines):
        return True
    leaders = sum(1 for ln in lines if TOC_LEADER_RE.search(ln.text))
    return leaders >= 3 and leaders >= 0.3 * len(lines)


def is_toc_continuation(lines: list[Line]) -> bool:
    """The page after a contents page that still lists tables / appendixes / contacts."""
    return any(ln.text.strip() in FULL_REPORT_TOC_HEADINGS and ln.bold for ln in lines) or \
        sum(1 for ln in lines if TOC_LEADER_RE.search(ln.text)) >= 2


# ---------------------------------------------------------------------------------------------
# text joining


def lines_to_vocabulary(lines: list[Line]) -> frozenset[str]:
    """Lowercase words and hyphenated compounds printed anywhere in the document."""
    words: set[str] = set()
    for ln in lines:
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", ln.text))
    return frozenset(words)


def join_line_texts(left: str, right: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """Join two lines of one paragraph; a line ending in a hyphen is joined without a space.

    CRS typesets without automatic hyphenation: in this corpus every hyphen at a line end is a real
    one ("U.S.-" + "Mexico", "balance-of-" + "payments", "land-" + "grant", URLs). So the hyphen is
    kept, and dropped only on evidence: both parts are lowercase letters and the document prints
    the joined word elsewhere but never the hyphenated form ("infor-" + "mation" -> "information"
    when "information" occurs; "decision-" + "making" -> "decisionmaking" in a report that writes
    "decisionmaking").
    """
    left, right = left.rstrip(), right.lstrip()
    if not left:
        return right
    if not right:
        return left
    if left.endswith("-") and not left.endswith((" -", "--")):
        token = left[:-1].split()[-1] if left[:-1].split() else ""
        stem = token.split("-")[-1]
        tail = re.match(r"[a-z]+", right)
        if tail and stem.isalpha() and stem.islower() and "/" not in token and "/" not in right.split()[0]:
            joined, hyphenated = stem + tail.group(0), f"{stem}-{tail.group(0)}"
            if joined in vocabulary and hyphenated not in vocabulary:
                return left[:-1] + right
        return left + right
    if left.endswith(("—", "–", "/")):
        return left + right
    return left + " " + right
