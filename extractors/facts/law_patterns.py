"""Rules for laws, bills and U.S. Code citations as CRS writes them; each match carries a canonical norm."""
from __future__ import annotations

import re
from dataclasses import dataclass

LAW_METHOD = "rule:law"


@dataclass(frozen=True)
class LawSpan:
    start: int
    end: int
    norm: str


PUBLIC_LAW_RE = re.compile(r"(?<!\w)(?<![A-Za-z]\.)(?:P\.\s?L\.|Public\s+Law)\s?(\d{1,3})\s?[-–]\s?(\d{1,4})(?!\d)")
# Longest prefixes first so "H.Con.Res." is not read as "H." + something.
BILL_PREFIXES = (
    ("H.Con.Res.", r"H\.\s?Con\.\s?Res\."),
    ("S.Con.Res.", r"S\.\s?Con\.\s?Res\."),
    ("H.J.Res.", r"H\.\s?J\.\s?Res\."),
    ("S.J.Res.", r"S\.\s?J\.\s?Res\."),
    ("H.Res.", r"H\.\s?Res\."),
    ("S.Res.", r"S\.\s?Res\."),
    ("H.R.", r"H\.\s?R\."),
    ("S.", r"S\."),
)
BILL_RE = re.compile(
    r"(?<!\w)(?<![A-Za-z]\.)(?P<prefix>" + "|".join(f"(?P<p{i}>{pattern})" for i, (_, pattern) in enumerate(BILL_PREFIXES))
    + r")\s?(?P<number>\d{1,5})(?![\d-])"
)
USC_RE = re.compile(
    r"(?<!\w)(?<![A-Za-z]\.)(?P<title>\d{1,2})\s+U\.?\s?S\.?\s?C\.?\s*(?:(?P<sections>§§?)\s*)?"
    r"(?P<section>\d+[a-z]?(?:-\d+[a-z]?)?(?:\([A-Za-z0-9]+\))*)(?P<seq>\s+et\s+seq\.?)?"
)
# A named Act: capitalised words (function words allowed inside) ending in "Act", optional "of YYYY".
NAMED_ACT_RE = re.compile(
    r"(?P<name>(?:%(word)s[ \t]+(?:(?:of|for|and|to|on|in|the|from|with|against|by|at)[ \t]+)*)*?%(word)s"
    # "Housing Acquisitions Review and Transparency (HART) Act": the acronym sits inside the name
    r"(?:[ \t]+\([A-Z][^()\n]{0,30}\))?[ \t]+Act)"
    r"(?P<year>[ \t]+of[ \t]+\d{4})?(?![\w-])" % {"word": r"(?:(?:[A-Z]\.){2,}|[A-Z][\w'’-]*)"}
)
# "Agriculture, Rural Development, Food and Drug Administration, and Related Agencies Appropriations
# Act, 2026": appropriations acts list their subcommittee's agencies, with commas, and end in ", YYYY".
APPROPRIATIONS_ACT_RE = re.compile(
    r"(?:[A-Z][\w'’-]*,?[ \t]+(?:(?:and|of|the|for|on)[ \t]+)*)+Appropriations[ \t]+Act(?:,[ \t]+\d{4})?"
)
# Capitalised words that start a sentence or a citation, not an Act's name.
NOT_ACT_NAME_START = {
    "The", "A", "An", "In", "Under", "Section", "Sections", "Sec.", "Title", "Both", "While", "Although",
    "Since", "After", "Before", "Through", "By", "If", "When", "This", "That", "These", "Its", "Their",
    "Congress", "Senate", "House", "President", "Administration", "Unlike", "As", "And", "Of", "For", "To",
    "On", "With", "From", "At", "Per",
}
ACT_CONNECTORS = {"of", "for", "and", "to", "on", "in", "the", "from", "with", "against", "by", "at"}


def text_to_law_spans(text: str) -> list[LawSpan]:
    """All law, bill and U.S. Code mentions in text, non-overlapping, in text order."""
    spans = (
        public_laws_in(text) + bills_in(text) + us_code_citations_in(text) + named_acts_in(text)
        + appropriations_acts_in(text)
    )
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[LawSpan] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def public_laws_in(text: str) -> list[LawSpan]:
    return [LawSpan(m.start(), m.end(), f"P.L. {m[1]}-{m[2]}") for m in PUBLIC_LAW_RE.finditer(text)]


def bills_in(text: str) -> list[LawSpan]:
    spans = []
    for m in BILL_RE.finditer(text):
        canonical = next(c for i, (c, _) in enumerate(BILL_PREFIXES) if m[f"p{i}"])
        if canonical == "S." and _is_initial_not_bill(text, m.start()):
            continue
        spans.append(LawSpan(m.start(), m.end(), f"{canonical} {m['number']}"))
    return spans


def _is_initial_not_bill(text: str, start: int) -> bool:
    # "Harry S. 1945" never happens, but "Title S. 3" neither: only "S." after a capitalised
    # name word ("Harry S. Truman") is a risk, and then a digit cannot follow. Keep simple:
    # reject "S. <number>" when glued to a preceding capitalised word with a single space.
    before = text[max(0, start - 12):start]
    return bool(re.search(r"[A-Z][a-z]+\s$", before)) and not re.search(r"(?:of|and|see|in|by)\s$", before)


def us_code_citations_in(text: str) -> list[LawSpan]:
    spans = []
    for m in USC_RE.finditer(text):
        if not m["sections"] and not m["section"]:
            continue
        symbol = m["sections"] or "§"
        norm = f"{m['title']} U.S.C. {symbol}{m['section']}" + (" et seq." if m["seq"] else "")
        spans.append(LawSpan(m.start(), m.end(), norm))
    return spans


def appropriations_acts_in(text: str) -> list[LawSpan]:
    return [s for m in APPROPRIATIONS_ACT_RE.finditer(text) if (s := _act_span(text, m.start(), m.group(), m.end()))]


def named_acts_in(text: str) -> list[LawSpan]:
    return [s for m in NAMED_ACT_RE.finditer(text) if (s := _act_span(text, m.start(), m["name"], m.end()))]


def _act_span(text: str, start: int, name: str, end: int) -> LawSpan | None:
    """Drop sentence-initial and citation words ("Under the", "Section 232 of the") before the name."""
    words = name.split()
    while words and (words[0].rstrip(",") in NOT_ACT_NAME_START or words[0] in ACT_CONNECTORS):
        if len(words) == 1:
            return None
        start = text.index(words[1], start + len(words[0]))
        words = words[1:]
    if len(words) < 2 or not any(w.rstrip(",") == "Act" for w in words):
        return None
    return LawSpan(start, end, re.sub(r"\s+", " ", text[start:end]))
