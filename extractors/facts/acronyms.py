"""Acronym definitions (short form, long form) in the ways CRS writes them.

Matching follows Schwartz & Hearst (2003): the long form is the shortest run of words just before
the parenthesis whose initials cover the short form's letters in order; here lowercase function
words may be skipped or used, hyphenated words and dotted abbreviations ("U.S.") give one initial
per part, and at most one content word may go unmatched ("Constitutional Democratic Party of
Japan (CDP)", "Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP)").
"""
from __future__ import annotations

import re
from functools import lru_cache

from extractors.section_text import SectionText

METHOD_BEFORE = "rule:acronym-long-before"      # Long Form (ABBR)
METHOD_INSIDE = "rule:acronym-long-inside"      # (known as the Long Form, or ABBR)
METHOD_NICKNAME = "rule:acronym-quoted"         # Long Form ("the Nick")

PAREN_RE = re.compile(r"\(([^()\n]{1,160})\)")
SHORT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9&/.-]{1,11}$")
POSSESSIVE_RE = re.compile(r"(?:'s|’s|')$")
INSIDE_LONG_RE = re.compile(r"^(?:(?:also\s+)?known\s+as\s+)?(?:the\s+)?(?P<long>[^,;]+?),?\s+or\s+(?:the\s+)?(?P<short>\S+)$")
SHORT_FIRST_RE = re.compile(r"^(?P<short>[^\s,;]+)(?:(?:,|;)\s+.*|,?\s+or\s+(?:the\s+)?\S+)?$", re.S)
QUOTED_RE = re.compile(r"^[\"“](?:the\s+)?(?P<short>[A-Z][A-Za-z]{1,11})[\"”]$")
FUNCTION_WORDS = {"of", "for", "and", "the", "on", "in", "to", "a", "an", "at", "by", "&"}
# "word. Next" ends a sentence; "U.S. Forces" does not.
SENTENCE_END_RE = re.compile(r"[a-z0-9]{2,}[.!?][\"”]?\s")
WORD_RE = re.compile(r"[^\s]+")
MAX_UNMATCHED_CONTENT_WORDS = 1


def sections_to_acronyms(sections: list[SectionText]) -> list[dict]:
    """One row per distinct short form, the first definition in document order."""
    rows: list[dict] = []
    seen: set[str] = set()
    for section in sections:
        for short, long, start, end, method in text_to_definitions(section.text):
            if short in seen:
                continue
            seen.add(short)
            rows.append({"short": short, "long": long, **section.provenance(start, end, method)})
    return rows


def text_to_definitions(text: str) -> list[tuple[str, str, int, int, str]]:
    """(short, long, start of long form, end of parenthesis, method) in text order."""
    found = []
    for paren in PAREN_RE.finditer(text):
        definition = paren_to_definition(text, paren)
        if definition:
            found.append(definition)
    return found


def paren_to_definition(text: str, paren: re.Match) -> tuple[str, str, int, int, str] | None:
    inside = paren.group(1).strip()
    quoted = QUOTED_RE.match(inside)
    if quoted:
        return _long_before(text, paren, quoted["short"], METHOD_NICKNAME, nickname=True)
    inside_long = INSIDE_LONG_RE.match(inside)
    if inside_long and is_short_form(_strip_possessive(inside_long["short"])):
        short = _strip_possessive(inside_long["short"])
        long = inside_long["long"].strip()
        if long_form_covers(long.split(), short) is not None:
            start = paren.start(1) + paren.group(1).index(long)
            return short, long, start, paren.end(), METHOD_INSIDE
    first = SHORT_FIRST_RE.match(inside)
    if first:
        short = _strip_possessive(first["short"])
        if is_short_form(short):
            return _long_before(text, paren, short, METHOD_BEFORE)
    return None


def is_short_form(candidate: str) -> bool:
    if not SHORT_RE.match(candidate) or candidate.endswith("-"):
        return False
    uppercase = sum(ch.isupper() for ch in candidate)
    return uppercase >= 2 and not re.fullmatch(r"[IVXLC]+", candidate)


def _strip_possessive(text: str) -> str:
    return POSSESSIVE_RE.sub("", text.strip())


def _long_before(text: str, paren: re.Match, short: str, method: str, nickname: bool = False):
    before = text[: paren.start()]
    # Only look back within the sentence/clause: stop at a previous parenthesis or sentence end.
    sentence_ends = [m.end() for m in SENTENCE_END_RE.finditer(before)]
    boundary = max(before.rfind("("), before.rfind(")"), before.rfind("\n"), before.rfind(";"))
    window_start = max(boundary + 1, sentence_ends[-1] if sentence_ends else 0)
    words = [(m.start() + window_start, m.end() + window_start, m.group())
             for m in WORD_RE.finditer(before[window_start:])]
    letters = len(re.sub(r"[^A-Za-z]", "", short))
    max_words = min(letters + 5, letters * 2)
    words = words[-max_words:]
    for first in range(len(words) - 1, -1, -1):
        run = [w for _, _, w in words[first:]]
        run[-1] = _strip_possessive(run[-1])
        if run[0].lower() in FUNCTION_WORDS:
            continue
        matched = _nickname_covers(run, short) if nickname else long_form_covers(run, short) is not None
        if matched:
            start = words[first][0]
            long = _strip_possessive(text[start: words[-1][1]].rstrip(",:"))
            return short, long, start, paren.end(), method
    return None


def _nickname_covers(run: list[str], short: str) -> bool:
    # "Quadrilateral Security Dialogue ("the Quad")": the nickname begins the first word.
    return len(run) >= 2 and run[0].lower().startswith(short.lower()) and all(w[:1].isupper() for w in run if w.lower() not in FUNCTION_WORDS)


def word_to_initials(word: str) -> tuple[str, ...]:
    """One initial per hyphen part or dotted letter: "Self-Defense" -> (s, d), "U.S." -> (u, s)."""
    word = _strip_possessive(word.strip(",;:\"“”"))
    initials: list[str] = []
    for part in re.split(r"[-/]", word):
        if re.fullmatch(r"(?:[A-Za-z]\.)+", part):
            initials += [ch.lower() for ch in part if ch.isalpha()]
        elif part and part[0].isalnum():
            initials.append(part[0].lower())
    return tuple(initials)


def long_form_covers(run: list[str], short: str) -> int | None:
    """Unmatched content words if the run's initials spell ``short`` (first letter on the first
    word), else None."""
    letters = tuple(ch.lower() for ch in short if ch.isalpha())
    if not letters or not run:
        return None
    initials = tuple(word_to_initials(w) for w in run)
    prefixes = tuple(w.lower() for w in run)
    functional = tuple(w.lower() in FUNCTION_WORDS for w in run)
    if not initials[0] or initials[0][0] != letters[0]:
        return None
    best = _cover(initials, prefixes, functional, letters, 0, 0, True)
    return best if best is not None and best <= MAX_UNMATCHED_CONTENT_WORDS else None


def _cover(initials, prefixes, functional, letters, w, k, must_use):
    return _cover_cached(initials, prefixes, functional, letters, w, k, must_use)


@lru_cache(maxsize=4096)
def _cover_cached(initials, prefixes, functional, letters, w, k, must_use):
    if w == len(initials):
        return 0 if k == len(letters) else None
    options = []
    # how many letters this word takes: a subsequence of its initials, or a prefix of the word
    for take in range(0, len(letters) - k + 1):
        piece = letters[k:k + take]
        if take == 0:
            if must_use:
                continue
        elif not (_is_subsequence(piece, initials[w]) and piece[0] == initials[w][0]
                  or take >= 2 and prefixes[w].startswith("".join(piece))):
            continue
        rest = _cover_cached(initials, prefixes, functional, letters, w + 1, k + take, False)
        if rest is None:
            continue
        options.append(rest + (1 if take == 0 and not functional[w] else 0))
    return min(options) if options else None


def _is_subsequence(piece: tuple[str, ...], units: tuple[str, ...]) -> bool:
    it = iter(units)
    return all(ch in it for ch in piece)
