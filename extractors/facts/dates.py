"""Date expressions in section text, normalised to ISO start/end dates with a granularity.

Regex rules find the expressions and isolate their year, month and day, so turning them into dates
is the standard library's job (dateparser's search is slow and noisy over whole reports, and once
the parts are isolated it does no work that ``datetime.date`` does not).
Precision over recall: a bare four-digit number becomes a year only in a year-like context.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date


from extractors.section_text import ExtractionContext, SectionText
from extractors.patterns import MONTHS

GRANULARITIES = (
    "day",
    "day range",
    "month",
    "season",
    "quarter",
    "year",
    "year range",
    "fiscal year",
    "fiscal year range",
    "decade",
    "decade part",
)

FIRST_YEAR, LAST_YEAR = 1789, 2100  # the Constitution's first Congress .. a sane horizon

# Abbreviations only with their period, so "Mar" in a name or "Jun" in a word never match.
MONTH_ABBREVIATIONS = r"Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
ANY_MONTH = rf"(?:{MONTHS}|{MONTH_ABBREVIATIONS})"
YEAR = r"(?:1[789]\d\d|20\d\d|2100)"
DAY = r"(?:3[01]|[12]\d|0?[1-9])"

# Things a four-digit number can be besides a year, judged from the text just before it.
NOT_YEAR_BEFORE = re.compile(
    r"(?:[$§¶#€£]|\d[,.]|\d|No\.|Nos\.|P\.\s?L\.|Pub\.\s?L\.|Public Law|H\.\s?R\.|S\.|H\.\s?Res\.|"
    r"Res\.|Sections?|sections?|Sec\.|sec\.|U\.S\.C\.|Stat\.|Title|title|Vol\.|Reg\.|pp?\.|[Pp]age|"
    r"Figure|Table|Rule|Order|Proclamation|[Dd]ocket|Case|Article|Part|Chapter|H\.Rept\.|"
    r"S\.Rept\.|CFR|C\.F\.R\.|[Aa]mendment)\s*$"
)
NOT_YEAR_AFTER = re.compile(
    r"^(?:\s?%|\s?percent|,\d{3}|\.\d|\d|\s+U\.S\.C|\s+Stat\.|\s+Fed\.|\s+F\.|\s+WL|\s+C\.F\.R|"
    r"\s+(?:thousand|million|billion|trillion)\b|[-–]\d)"
)
# A four-digit number followed by one of these is a count ("2000 troops"), not a year.
COUNTED_NOUN_AFTER = re.compile(
    r"^\s+(?:[A-Z][\w.'-]*\s+){0,2}(?:troops|personnel|people|persons|individuals|workers|employees|"
    r"soldiers|members|Members|residents|citizens|students|jobs|countries|nations|companies|firms|"
    r"miles|kilometers|acres|tons|barrels|units|cases|vessels|ships|aircraft|households|families|"
    r"children|veterans|farmers|hearings|bills|pages|votes|seats|facilities|items|products)\b"
)
YEAR_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:in|In|since|Since|by|By|from|From|through|Through|until|Until|till|to|of|during|"
    r"During|before|Before|after|After|between|Between|and|or|early|Early|late|Late|mid|around|"
    r"circa|as of|As of|year|years|the|The|than|for|For|at|end of|beginning of|CY)\s*|[(\[,–—]\s*|"
    r"\bmid-)$"
)
YEAR_CONTEXT_AFTER = re.compile(r"^(?:[,.;:)\]]|'s|’s|\s*$)")

SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11)}
QUARTER_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "final": 4, "last": 4,
}
DECADE_PARTS = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}


@dataclass(frozen=True)
class DateMatch:
    start_char: int
    end_char: int
    text: str
    start: date
    end: date
    granularity: str
    inferred_year: bool
    method: str


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# "Jan", "Sep" (of "Sept."), "Jun" (of "June"): the first three letters name the month.
MONTH_NUMBERS = {name[:3]: number for number, name in enumerate(MONTHS.split("|"), 1)}


def month_name_to_number(name: str) -> int:
    """A month as the rules match it (full name or abbreviation with its period) -> 1..12."""
    return MONTH_NUMBERS[name[:3]]


def day_to_date(year: str, month: str, day: str) -> date | None:
    """A day whose parts a rule has already isolated -> date; None if impossible ("February 30")."""
    try:
        return date(int(year), month_name_to_number(month), int(day))
    except ValueError:
        return None


def fiscal_year_span(fy: int) -> tuple[date, date]:
    """U.S. federal fiscal year: FY2024 runs 2023-10-01 .. 2024-09-30."""
    return date(fy - 1, 10, 1), date(fy, 9, 30)


def two_digit_to_year(digits: str) -> int:
    return int(digits) + (1900 if int(digits) > 50 else 2000) if len(digits) == 2 else int(digits)


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


# ---- rules: each yields DateMatch objects for one kind of expression -------------------

DAY_RANGE_RE = re.compile(rf"\b({ANY_MONTH})\s({DAY})\s?[-–]\s?({DAY}),?\s({YEAR})\b")
DAY_YEAR_RE = re.compile(rf"\b({ANY_MONTH})\s({DAY})(?:st|nd|rd|th)?,?\s({YEAR})\b(?![-–]\d)")
DAY_FIRST_RE = re.compile(rf"\b({DAY})\s({MONTHS})\s({YEAR})\b")
NUMERIC_DATE_RE = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
MONTH_YEAR_RE = re.compile(rf"\b({ANY_MONTH}),?\s({YEAR})\b(?![-–]\d)")
# "August 31 of the preceding year" is a recurring day, not one the report's year can fix
RECURRING_AFTER = r"(?!\s+of\s+(?:the|each|every|that|a|any)\b)"
DAY_NO_YEAR_RE = re.compile(rf"\b({MONTHS})\s({DAY})(?:st|nd|rd|th)?\b(?!,?\s?\d)(?![-–]\d)(?!%){RECURRING_AFTER}")
MONTH_NO_YEAR_RE = re.compile(
    rf"\b(?:[Ii]n|[Bb]y|[Ss]ince|[Uu]ntil|[Tt]hrough|[Dd]uring|[Ee]arly|[Ll]ate|mid-|[Ff]rom|"
    rf"[Bb]efore|[Aa]fter|[Ee]nd of|[Bb]eginning of)\s?({MONTHS})\b(?!\s?\d)(?!,\s?\d){RECURRING_AFTER}"
)
SEASON_RE = re.compile(r"\b([Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn)(?:\sof)?\s(" + YEAR + r")\b")
QUARTER_RE = re.compile(
    r"\b(first|second|third|fourth|1st|2nd|3rd|4th|final|last)\s(?:calendar\s|fiscal\s)?quarter"
    r"\s(?:of\s)?(?:(?:calendar\syear|CY)\s?)?(?P<fiscal>FY\s?|fiscal\syear\s)?(" + YEAR + r")\b"
)
Q_YEAR_RE = re.compile(r"\bQ([1-4])\s?(" + YEAR + r")\b|\b(" + YEAR + r")\s?Q([1-4])\b")
FY_RANGE_RE = re.compile(
    r"\b(?:FY\s?|[Ff]iscal\s[Yy]ears?\s(?:\(FY\)\s)?)(\d{4}|\d{2})\s?(?:-|–|through|to)\s?(?:FY\s?)?(\d{4}|\d{2})\b(?![-–]\d)"
)
FY_RE = re.compile(r"\b(?:FY\s?|[Ff]iscal\s[Yy]ears?\s(?:\(FY\)\s)?)(\d{4}|\d{2})\b(?![-–]\d)(?!,\d)")
DECADE_PART_RE = re.compile(r"\b(?:the\s)?(early|mid|late)[- ]?(1[789]\d0|20\d0)s\b")
DECADE_RE = re.compile(r"\b(?:the\s)?(1[789]\d0|20\d0)s\b")
YEAR_RANGE_RE = re.compile(
    r"(?<![\w$§.,/-])(" + YEAR + r")(?:\s?[-–—]\s?|\s(?:to|through|until|and)\s)("
    + YEAR + r"|\d{2})\b(?![-–/]?\d)"
)
BARE_YEAR_RE = re.compile(r"(?<![\w$§.,/-])(" + YEAR + r")\b")


def day_matches(text: str) -> list[DateMatch]:
    out = []
    for m in DAY_RANGE_RE.finditer(text):
        first, last = day_to_date(m.group(4), m.group(1), m.group(2)), day_to_date(m.group(4), m.group(1), m.group(3))
        if first and last and first < last:
            out.append(DateMatch(m.start(), m.end(), m.group(0), first, last, "day range", False, "rule:day_range"))
    for regex, parts in ((DAY_YEAR_RE, lambda m: (m.group(3), m.group(1), m.group(2))),
                         (DAY_FIRST_RE, lambda m: (m.group(3), m.group(2), m.group(1)))):
        for m in regex.finditer(text):
            parsed = day_to_date(*parts(m))
            if parsed:
                out.append(DateMatch(m.start(), m.end(), m.group(0), parsed, parsed, "day", False, "rule:day"))
    for m in NUMERIC_DATE_RE.finditer(text):
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and year_in_range(year) and 1 <= day <= calendar.monthrange(year, month)[1]:
            d = date(year, month, day)
            out.append(DateMatch(m.start(), m.end(), m.group(0), d, d, "day", False, "rule:numeric_date"))
    return out


def month_matches(text: str) -> list[DateMatch]:
    out = []
    for m in MONTH_YEAR_RE.finditer(text):
        year, month = int(m.group(2)), month_name_to_number(m.group(1))
        out.append(DateMatch(m.start(), m.end(), m.group(0), date(year, month, 1), month_end(year, month),
                             "month", False, "rule:month_year"))
    return out


def yearless_matches(text: str, report_date: date | None) -> list[DateMatch]:
    """'October 27', 'In August': the year comes from the report's own date."""
    if report_date is None:
        return []
    year, out = report_date.year, []
    for m in DAY_NO_YEAR_RE.finditer(text):
        parsed = day_to_date(str(year), m.group(1), m.group(2))
        if parsed:
            out.append(DateMatch(m.start(), m.end(), m.group(0), parsed, parsed, "day", True, "rule:day_no_year"))
    for m in MONTH_NO_YEAR_RE.finditer(text):
        month = month_name_to_number(m.group(1))
        out.append(DateMatch(m.start(1), m.end(1), m.group(1), date(year, month, 1), month_end(year, month),
                             "month", True, "rule:month_no_year"))
    return out


def season_and_quarter_matches(text: str) -> list[DateMatch]:
    out = []
    for m in SEASON_RE.finditer(text):
        first_month, last_month = SEASON_MONTHS[m.group(1).lower()]
        year = int(m.group(2))
        out.append(DateMatch(m.start(), m.end(), m.group(0), date(year, first_month, 1),
                             month_end(year, last_month), "season", False, "rule:season"))
    quarters = [(m, QUARTER_WORDS[m.group(1)], int(m.group(3)), bool(m.group("fiscal"))) for m in QUARTER_RE.finditer(text)]
    for m in Q_YEAR_RE.finditer(text):
        q, y = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        quarters.append((m, int(q), int(y), False))
    for m, quarter, year, fiscal in quarters:
        first_month = 3 * quarter - 2
        if fiscal:  # federal fiscal quarters start in October of the previous calendar year
            first_month, year = (first_month + 9 - 1) % 12 + 1, year - 1 if quarter == 1 else year
        start = date(year, first_month, 1)
        out.append(DateMatch(m.start(), m.end(), m.group(0), start, month_end(year, first_month + 2),
                             "quarter", False, "rule:fiscal_quarter" if fiscal else "rule:quarter"))
    return out


def fiscal_year_matches(text: str) -> list[DateMatch]:
    out = []
    for m in FY_RANGE_RE.finditer(text):
        first = two_digit_to_year(m.group(1))
        last = int(str(first)[:2] + m.group(2)) if len(m.group(2)) == 2 else int(m.group(2))
        if year_in_range(first) and year_in_range(last) and first < last and last - first <= 50:
            out.append(DateMatch(m.start(), m.end(), m.group(0), fiscal_year_span(first)[0],
                                 fiscal_year_span(last)[1], "fiscal year range", False, "rule:fiscal_year_range"))
    for m in FY_RE.finditer(text):
        fy = two_digit_to_year(m.group(1))
        if year_in_range(fy):
            start, end = fiscal_year_span(fy)
            out.append(DateMatch(m.start(), m.end(), m.group(0), start, end, "fiscal year", False, "rule:fiscal_year"))
    return out


def decade_matches(text: str) -> list[DateMatch]:
    out = []
    for m in DECADE_PART_RE.finditer(text):
        decade = int(m.group(2))
        first, last = DECADE_PARTS[m.group(1)]
        out.append(DateMatch(m.start(), m.end(), m.group(0), date(decade + first, 1, 1),
                             date(decade + last, 12, 31), "decade part", False, "rule:decade_part"))
    for m in DECADE_RE.finditer(text):
        decade = int(m.group(1))
        out.append(DateMatch(m.start(), m.end(), m.group(0), date(decade, 1, 1), date(decade + 9, 12, 31),
                             "decade", False, "rule:decade"))
    return out


def year_context_ok(text: str, start: int, end: int) -> bool:
    """Context around a year-shaped token (or range) at text[start:end] reads as a date."""
    before, after = text[max(0, start - 30):start], text[end:end + 40]
    if NOT_YEAR_BEFORE.search(before) or NOT_YEAR_AFTER.match(after) or COUNTED_NOUN_AFTER.match(after):
        return False
    at_sentence_start = not before.strip() or before.rstrip().endswith((".", ":", "\n"))
    return bool(at_sentence_start or YEAR_CONTEXT_BEFORE.search(before) or YEAR_CONTEXT_AFTER.match(after))


def year_context_not_excluded(text: str, start: int, end: int) -> bool:
    """Only the negative half of year_context_ok: no section sign, law number or counted noun."""
    before, after = text[max(0, start - 30):start], text[end:end + 40]
    return not (NOT_YEAR_BEFORE.search(before) or NOT_YEAR_AFTER.match(after) or COUNTED_NOUN_AFTER.match(after))


def year_matches(text: str) -> list[DateMatch]:
    out = []
    for m in YEAR_RANGE_RE.finditer(text):
        first = int(m.group(1))
        last = int(str(first)[:2] + m.group(2)) if len(m.group(2)) == 2 else int(m.group(2))
        separator = text[m.end(1):m.start(2)]
        if "and" in separator and not re.search(r"[Bb]etween\s$", text[:m.start(1)]):
            continue  # "2023 and 2024" lists two years; only "between X and Y" is a span
        if not (year_in_range(last) and first < last <= first + 150):
            continue
        # two full years joined by a dash read as a span wherever they stand ("Japan's 1910-1945
        # colonization", IF10199 v49); a short form ("2019-23") still needs a date-like context
        full_dash_range = len(m.group(2)) == 4 and not separator.strip().isalpha()
        context_ok = year_context_not_excluded if full_dash_range else year_context_ok
        if context_ok(text, m.start(1), m.end()):
            out.append(DateMatch(m.start(1), m.end(), text[m.start(1):m.end()], date(first, 1, 1),
                                 date(last, 12, 31), "year range", False, "rule:year_range"))
    for m in BARE_YEAR_RE.finditer(text):
        if year_context_ok(text, m.start(), m.end()):
            year = int(m.group(1))
            out.append(DateMatch(m.start(), m.end(), m.group(0), date(year, 1, 1), date(year, 12, 31),
                                 "year", False, "rule:year"))
    return out


def matches_to_non_overlapping(matches: list[DateMatch]) -> list[DateMatch]:
    """Keep the longest expression where rules overlap ("June 1, 2024" beats "2024")."""
    kept: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for m in sorted(matches, key=lambda m: (-(m.end_char - m.start_char), m.start_char, m.method)):
        if all(m.end_char <= s or m.start_char >= e for s, e in taken):
            kept.append(m)
            taken.append((m.start_char, m.end_char))
    return sorted(kept, key=lambda m: (m.start_char, m.end_char))


def text_to_date_matches(text: str, report_date: date | None) -> list[DateMatch]:
    """Every date expression in one text, non-overlapping, in text order (figures.py uses it too)."""
    matches = (
        day_matches(text)
        + month_matches(text)
        + yearless_matches(text, report_date)
        + season_and_quarter_matches(text)
        + fiscal_year_matches(text)
        + decade_matches(text)
        + year_matches(text)
    )
    return matches_to_non_overlapping(matches)


def date_match_to_row(section: SectionText, m: DateMatch) -> dict:
    return {
        "text": m.text,
        "start": m.start.isoformat(),
        "end": m.end.isoformat(),
        "granularity": m.granularity,
        "inferred_year": m.inferred_year,
        **section.provenance(m.start_char, m.end_char, m.method),
    }


def sections_to_dates(sections: list[SectionText], ctx: ExtractionContext) -> list[dict]:
    return [
        date_match_to_row(section, m)
        for section in sections
        for m in text_to_date_matches(section.text, ctx.report_date)
    ]


COVER_SECTION_ID = "cover"


def cover_to_section(date_text: str | None) -> SectionText | None:
    """The cover / "Updated" line the document prints its own date on, as a one-sentence section."""
    line = (date_text or "").strip()
    return SectionText(COVER_SECTION_ID, "Cover", line, ((0, len(line)),)) if line else None


def cover_to_dates(date_text: str | None, ctx: ExtractionContext) -> list[dict]:
    """The document's own date ("Updated November 5, 2024") as dates rows with section_id 'cover'."""
    cover = cover_to_section(date_text)
    return sections_to_dates([cover], ctx) if cover else []
