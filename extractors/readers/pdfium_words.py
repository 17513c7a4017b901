"""pdfplumber's ``extract_words`` over char dicts, for the options the PDF reader calls it with.

pdfplumber's ``WordExtractor`` runs each character through generators, a clustering helper and a
method call per character pair; after PDFium reads the characters (``pdfium_page``) that was the
largest cost of a page. ``chars_to_words`` gives the same word dicts (same keys in the same order,
same float values) in plain loops; ``extract_words`` uses it when the options are ones it
implements and pdfplumber's own function otherwise. tests/test_pdfium_page.py compares both on
real corpus pages.

What pdfplumber does, step for step (``WordExtractor.iter_extract_tuples`` with its defaults):
1. consecutive characters with the same ``upright`` and extra attributes form a group;
2. a group is cut into lines: upright text by ``top`` (``cluster_objects``: sorted distinct
   values, a new line where a value is more than the y tolerance past the one before), the
   characters of each line in content order, then sorted by ``x0``; rotated text the same way by
   ``x0`` (the x tolerance), sorted by ``top`` and ``bottom``;
3. a line is cut into words at a blank character and where the next character starts before
   the previous one, more than the tolerance after its end, or off its line (``char_begins_new_word``);
4. a word's box is the union of its characters' boxes (``merge_chars``).
"""
from __future__ import annotations

from itertools import groupby
from operator import itemgetter

from pdfplumber.utils import extract_words as pdfplumber_extract_words
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES

# the keyword arguments chars_to_words implements; any other goes to pdfplumber
IMPLEMENTED = frozenset({"x_tolerance", "y_tolerance", "keep_blank_chars", "extra_attrs"})
BY_X0 = itemgetter("x0")
BY_TOP_BOTTOM = itemgetter("top", "bottom")
X0, X1, TOP, BOTTOM, TEXT = (itemgetter(key) for key in ("x0", "x1", "top", "bottom", "text"))


def extract_words(chars: list[dict], **kwargs) -> list[dict]:
    """``pdfplumber.utils.extract_words(chars, **kwargs)``, by ``chars_to_words`` when it can."""
    if not IMPLEMENTED.issuperset(kwargs):
        return pdfplumber_extract_words(chars, **kwargs)
    return chars_to_words(chars, **kwargs)


def chars_to_words(chars: list[dict], x_tolerance: float = DEFAULT_X_TOLERANCE, y_tolerance: float = DEFAULT_Y_TOLERANCE,
                   keep_blank_chars: bool = False, extra_attrs: list[str] | None = None) -> list[dict]:
    """The words pdfplumber's ``extract_words`` gives for these options (no tolerance ratios, no
    text flow, no split at punctuation, ligatures expanded, default directions)."""
    extra = list(extra_attrs or ())
    words: list[dict] = []
    for _, group in groupby(chars, itemgetter("upright", *extra)):
        group = list(group)
        upright = group[0]["upright"]
        if upright:
            lines = [sorted(line, key=BY_X0) for line in cluster(group, "top", y_tolerance)]
        else:
            lines = [sorted(line, key=BY_TOP_BOTTOM) for line in cluster(group, "x0", x_tolerance)]
        for line in lines:
            for word in line_to_word_chars(line, bool(upright), x_tolerance, y_tolerance, keep_blank_chars):
                words.append(word_chars_to_word(word, extra))
    return words


def cluster(chars: list[dict], key: str, tolerance: float) -> list[list[dict]]:
    """pdfplumber's ``cluster_objects(chars, key, tolerance)``: the characters of each line, in
    their order, lines by their smallest value."""
    values = sorted({c[key] for c in chars})
    if len(values) == 1:
        return [chars]
    line, last = 0, values[0]
    line_of: dict[float, int] = {last: 0}
    for value in values[1:]:
        if not value <= last + tolerance:
            line += 1
        line_of[value] = line
        last = value
    lines: list[list[dict]] = [[] for _ in range(line + 1)]
    for c in chars:
        lines[line_of[c[key]]].append(c)
    return lines


def line_to_word_chars(line: list[dict], upright: bool, x_tolerance: float, y_tolerance: float,
                       keep_blank_chars: bool) -> list[list[dict]]:
    """pdfplumber's ``iter_chars_to_words`` for one sorted line, left to right (upright) or top
    to bottom (rotated): a word ends where a character starts before the previous one starts
    (``start``), more than the tolerance after it ends (``end``), or off its line (``across``)."""
    start, end, across = ("x0", "x1", "top") if upright else ("top", "bottom", "x0")
    along_tolerance, across_tolerance = (x_tolerance, y_tolerance) if upright else (y_tolerance, x_tolerance)
    words: list[list[dict]] = []
    current: list[dict] = []
    prev_start = prev_end = prev_across = 0.0  # of the last character of ``current``
    for c in line:
        text = c["text"]
        if not keep_blank_chars and text.isspace():
            if current:
                words.append(current)
            current = []
        elif text == "":
            # pdfplumber: a character "in" split_at_punctuation (""), so a word of its own
            if current:
                words.append(current)
            words.append([c])
            current = []
        elif current and (c[start] < prev_start or c[start] > prev_end + along_tolerance
                          or abs(c[across] - prev_across) > across_tolerance):
            words.append(current)
            current = [c]
            prev_start, prev_end, prev_across = c[start], c[end], c[across]
        else:
            current.append(c)
            prev_start, prev_end, prev_across = c[start], c[end], c[across]
    if current:
        words.append(current)
    return words


def word_chars_to_word(chars: list[dict], extra: list[str]) -> dict:
    """pdfplumber's ``merge_chars``: the word's text, box and the first character's attributes."""
    first = chars[0]
    upright = first["upright"]
    # the characters are sorted by x0 (upright) or by top (rotated): the first one's is the smallest
    x0 = first["x0"] if upright else min(map(X0, chars))
    top = min(map(TOP, chars)) if upright else first["top"]
    x1, bottom = max(map(X1, chars)), max(map(BOTTOM, chars))
    texts = list(map(TEXT, chars))
    if None in texts or not LIGATURES.keys().isdisjoint(texts):
        text = "".join([LIGATURES.get(t, t or "") for t in texts])
    else:
        text = "".join(texts)
    word = {
        "text": text, "x0": x0, "x1": x1, "top": top, "doctop": top + (first["doctop"] - first["top"]),
        "bottom": bottom, "upright": upright, "height": bottom - top, "width": x1 - x0,
        "direction": "ltr" if upright else "ttb",
    }
    for key in extra:
        word[key] = first[key]
    return word
