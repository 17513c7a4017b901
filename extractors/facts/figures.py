"""Numeric statements in section text: money, percentages, counts, ranks and fractions.

Every rule needs an explicit marker of what the number measures ("$", "%", a counted noun,
"-largest", "of"...): a bare number is never a figure, which keeps legal citations, bill and
page numbers and footnote markers out without listing them all. Numbers inside date
expressions (found by extractors.facts.dates) never become figures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from extractors.facts.dates import DateMatch, text_to_date_matches
from extractors.section_text import ExtractionContext, SectionText

KINDS = ("money", "percent", "count", "rank", "fraction", "other")

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "K": 1e3, "M": 1e6, "B": 1e9}
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
ORDINAL_WORDS = {
    "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "fifteenth": 15, "twentieth": 20,
}
FRACTION_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "tenth": 10, "tenths": 10,
}
FRACTION_NUMERATORS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "nine": 9}

# Counted nouns (as printed) -> the unit a count of them is published in.
COUNTED_NOUNS = {
    **dict.fromkeys(
        "troops personnel people persons individuals workers employees soldiers servicemembers "
        "Marines sailors airmen residents citizens immigrants migrants refugees students children "
        "adults veterans farmers officials Americans civilians Members members Senators "
        "Representatives lawmakers staff staffers judges".split(), "persons"),
    **dict.fromkeys("countries nations".split(), "countries"),
    **dict.fromkeys("states territories".split(), "states"),
    **dict.fromkeys("companies firms businesses corporations manufacturers producers".split(), "companies"),
    **dict.fromkeys("agencies departments offices".split(), "agencies"),
    **dict.fromkeys("bills measures resolutions".split(), "bills"),
    **dict.fromkeys("vessels ships boats".split(), "vessels"),
    **dict.fromkeys("facilities bases installations plants".split(), "facilities"),
    **dict.fromkeys("agreements treaties".split(), "agreements"),
    **dict.fromkeys("filings transactions mergers".split(), "filings"),
    **{w: w for w in "partners jobs hearings aircraft programs projects products seats votes cases "
       "meetings addresses households families".split()},
}
MEASURE_UNITS = {
    "miles": "miles", "mile": "miles", "square miles": "square miles", "kilometers": "kilometers",
    "km": "kilometers", "acres": "acres", "hectares": "hectares", "tons": "tons", "metric tons": "metric tons",
    "pounds": "pounds", "barrels": "barrels", "bushels": "bushels", "gallons": "gallons", "feet": "feet",
    "megawatts": "megawatts", "gigawatts": "gigawatts",
}
DURATION_UNITS = {"years": "years", "months": "months", "weeks": "weeks", "days": "days", "hours": "hours"}
COMPOUND_NOUNS = {
    "country": "countries", "nation": "countries", "member": "members", "state": "states",
    "year": "years", "month": "months", "week": "weeks", "day": "days", "hour": "hours", "mile": "miles",
    "person": "persons", "seat": "seats",
}
UNITS = tuple(sorted(
    {"USD", "percent", "percentage points", "rank", "fraction"}
    | set(COUNTED_NOUNS.values()) | set(MEASURE_UNITS.values()) | set(DURATION_UNITS.values())
    | set(COMPOUND_NOUNS.values())
))
PERS = ("year", "month", "week", "day", "hour", "capita", "person", "household", "ton", "barrel", "gallon", "unit")
QUALIFIERS = (
    "about", "approximately", "roughly", "around", "nearly", "almost", "over", "more than", "at least",
    "less than", "fewer than", "up to", "under", "at most", "some", "an estimated", "close to",
    "just over", "just under", "upwards of", "no more than", "no less than", "as much as",
    "as many as", "as few as", "as little as", "below", "above", "exceeding", "an average of",
    "not less than", "not more than", "not to exceed", "not fewer than",
)
# prepositions that read as qualifiers only before a written-out number ("under $1 billion"),
# never before a number word ("carried out under two programs")
PREPOSITION_QUALIFIERS = ("under", "over", "below", "above")

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
SCALE_WORD = r"(?:\s?(?P<{0}>thousand|million|billion|trillion)\b|(?P<{1}>[KMB])\b)?"
# A number stands alone: not glued to a word, a citation mark or another number.
NUMBER_START = r"(?<![\w.,§$/-])"
QUALIFIER_RE = re.compile(
    r"(?:^|(?<=\W))(" + "|".join(sorted((re.escape(q) for q in QUALIFIERS), key=len, reverse=True))
    + r")\s+$", re.I)
PER_RE = re.compile(
    r"^\s?(?:per|a|an|each|every)\s(year|month|week|day|hour|capita|person|household|ton|barrel|gallon|unit)\b"
    r"|^\s?(annually|per annum|yearly|monthly)\b|^/(year|yr|month|day)\b")
PER_WORDS = {"annually": "year", "per annum": "year", "yearly": "year", "monthly": "month", "yr": "year"}

MONEY_RE = re.compile(
    r"(?:US)?\$\s?(?P<n1>" + NUMBER + r")" + SCALE_WORD.format("s1", "a1")
    + r"(?:(?:\s?[-–—]\s?|\s(?:to|through)\s(?=(?:US)?\$))(?:US)?\$?\s?(?P<n2>" + NUMBER + r")"
    + SCALE_WORD.format("s2", "a2") + r")?"
)
PERCENT_RE = re.compile(
    NUMBER_START + r"(?P<n1>" + NUMBER + r")(?:\s?(?:%|percent))?"
    r"(?:\s?[-–—]\s?|\sto\s)(?P<n2>" + NUMBER + r")\s?(?P<u>%|percent\b|percentage points?\b)"
    r"|" + NUMBER_START + r"(?P<n>" + NUMBER + r")\s?(?P<u1>%|percent\b|per cent\b|percentage points?\b)"
)
# "$2.6 billion (-74%)", "a reduction of $260.0 million (-57%)" (R48694): a change printed with
# its minus sign; only after a space or an opening parenthesis, so "FY2025-74%" stays out
SIGNED_CHANGE_RE = re.compile(
    r"(?<=[(\s])(?P<sign>[-\u2212])(?P<dollar>\$)?(?P<n>" + NUMBER + r")"
    r"(?:\s?(?P<s>thousand|million|billion|trillion)\b)?(?P<pct>\s?%|\spercent\b)?(?![\w.,]?\d)"
)
MODIFIERS = (
    r"(?:(?:U\.S\.|[A-Z][\w'’-]*|active-duty|additional|new|more|full-time|part-time|federal|civilian|"
    r"military|foreign|American|U\.S\.-based|other|local|private|small|large|total)\s){0,3}"
)
COUNT_RE = re.compile(
    NUMBER_START + r"(?P<n>" + NUMBER + r")" + SCALE_WORD.format("s", "a").replace("|(?P<a>[KMB])\\b", "")
    + r"\s(?P<np>" + MODIFIERS + r"(?P<noun>" + "|".join(sorted(
        list(COUNTED_NOUNS) + list(MEASURE_UNITS) + list(DURATION_UNITS), key=len, reverse=True)) + r"))\b"
    r"(?!\.\w)"  # "U.S.C." and the like are not nouns
)
WORD_COUNT_RE = re.compile(
    r"\b(?P<w>" + "|".join(w for word in NUMBER_WORDS for w in (word, word.capitalize())) + r")\s(?P<np>" + MODIFIERS.replace("{0,3}", "{0,2}")
    + r"(?P<noun>" + "|".join(sorted(COUNTED_NOUNS, key=len, reverse=True)) + r"))\b"
)
COMPOUND_RE = re.compile(
    NUMBER_START + r"(?P<n>\d+|" + "|".join(NUMBER_WORDS) + r"|one)-(?P<noun>"
    + "|".join(COMPOUND_NOUNS) + r")\b(?!-old)", re.I
)
RANK_RE = re.compile(
    NUMBER_START + r"(?P<n>\d+)(?:st|nd|rd|th)[- ](?P<sup>largest|biggest|highest|lowest|smallest|"
    r"most|least|fastest|leading)\b"
    r"|\b(?P<w>" + "|".join(ORDINAL_WORDS) + r")[- ](?P<supw>largest|biggest|highest|lowest|smallest|"
    r"most|least|fastest|leading)\b", re.I
)
FRACTION_RE = re.compile(
    r"\b(?P<num>one|two|three|four|five|nine)-(?P<den>halves|half|thirds?|quarters?|fourths?|fifths?|"
    r"sixths?|tenths?)\b"
    r"|\b(?P<num2>a|one|two|three)\s(?P<den2>half|thirds?|quarters?|fourths?|fifths?|tenths?)(?=\sof\s(?!\d))"
    r"|(?<=\s)(?P<half>half)(?=\sof\s(?!\d)|\s(?:the|its|their|all)\s)", re.I
)
NUMBERING_RE = re.compile(
    r"\b(?:numbering|totaling|totalling|amounting to|numbered|numbers)\s(?P<q>(?:"
    + "|".join(re.escape(q) for q in QUALIFIERS) + r")\s)?(?P<n>" + NUMBER + r")\b(?![.,]?\d)(?!\s?%)"
)
# "U.S. troops—currently about 55,000 on active duty—" (IF10199 v49): an aside after the counted
# noun; the qualifier is required, so a bare "(2024)" or "—12 of them" is not read as a count
ASIDE_COUNT_RE = re.compile(
    r"[\u2014\u2013(]\s?(?:(?:currently|now|today|then)\s)?(?P<q>(?:"
    + "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True)) + r")\s)(?P<n>" + NUMBER + r")\b(?![.,]?\d)(?!\s?%)"
    r"(?!\s(?:thousand|million|billion|trillion|percent)\b)"
)
# words that end a subject noun phrase
SUBJECT_STOP = {
    "and", "or", "that", "which", "who", "is", "are", "was", "were", "in", "from", "to", "for", "by",
    "with", "on", "at", "as", "used", "than", "since", "during", "between", "under", "over", "into",
    "per", "has", "have", "had", "will", "would", "could", "may", "while", "but", "if", "based",
    "located", "including", "such", "because", "due", "do", "does", "did", "not", "be", "been", "can",
    "should", "must", "receive", "receives", "provide", "provides", "include", "includes", "require",
    "requires", "paid", "made", "held", "sold", "worth", "indicating", "indicated", "below", "above",
    "less", "more", "down", "up",
}
SUBJECT_DETERMINERS = {"the", "a", "an", "The", "A", "An"}
SUBJECT_BEFORE_VERB_RE = re.compile(
    r"(?P<np>(?:[\w.'’-]+\s){1,5})(?:is|was|are|were|stood at|reached|totaled|totaling|rose to|fell to|"
    r"increased to|decreased to|declined to|grew to|of)\s$"
)
ANAPHORIC_BEFORE_RE = re.compile(r"\b(?:the|these|those|its|their|his|her|our|all|both|each|The|These|Those|Its|Their|All|Both)\s$")


@dataclass(frozen=True)
class Figure:
    start: int
    end: int
    kind: str
    value: float
    value_high: float | None
    unit: str
    method: str
    per: str | None = None
    qualifier: str | None = None
    subject: str | None = None
    number_start: int = -1   # where the number itself starts, to test against date spans
    number_end: int = -1


def number_to_float(text: str, scale: float | None = None) -> float:
    """Exact decimal scaling, so '$134.2 billion' is 134200000000.0, not 134199999999.99998."""
    return float(Decimal(text.replace(",", "")) * Decimal(int(scale or 1)))


CITATION_BEFORE_RE = re.compile(
    r"(?:§|¶|\bArticle|\bart\.|\bSection|\bsection|\bSec\.|\bNo\.|\bNos\.|\bP\.\s?L\.|\bTitle|\btitle|"
    r"\bPart|\bChapter|\bRule|\bFigure|\bTable|\bpp?\.|\bpage|\bH\.R\.|\bS\.|U\.S\.C\.|\bStat\.)\s*$"
)


def scale_of(match: re.Match, word_group: str, letter_group: str | None) -> float | None:
    word = match.group(word_group)
    letter = match.group(letter_group) if letter_group else None
    return SCALES.get(word or letter or "")


def clean_subject(words: list[str]) -> str | None:
    while words and words[0] in SUBJECT_DETERMINERS:
        words = words[1:]
    phrase = " ".join(words).strip(" ,;:()")
    return phrase or None


def phrase_tokens(text: str, limit: int) -> list[str]:
    """Words of the phrase starting text, up to the first function word, verb form, number or
    punctuation; 'U.S.' and similar abbreviations keep their periods."""
    words: list[str] = []
    for token in text.split()[:limit]:
        bare = token.rstrip(",;:)\"”")
        abbreviation = re.fullmatch(r"(?:[A-Z]\.)+", bare)
        if not abbreviation:
            bare = bare.rstrip(".")
        if (not bare or bare in SUBJECT_STOP or re.search(r"\d", bare) or bare[0] in "(\"“—"
                or (words and re.search(r"(?:ing|ed|ly)$", bare))):
            break
        words.append(bare)
        if bare != token and not abbreviation:
            break  # punctuation closed the phrase
    return words


def subject_after_of(text: str, end: int, lead: str = "of") -> str | None:
    """'25% of facilities used by USFJ' -> 'facilities'; stops at the first function word."""
    m = re.compile(rf"\s{lead}\s").match(text, end)  # in place: a slice per figure is quadratic on one long line
    return clean_subject(phrase_tokens(text[m.end():m.end() + 120], 6)) if m else None


def subject_before_verb(text: str, start: int, sentence_start: int) -> str | None:
    """'(The U.S. share was 15%.)' -> 'U.S. share'; 'a surplus of $1.7 billion' -> 'surplus'."""
    m = SUBJECT_BEFORE_VERB_RE.search(text[sentence_start:start])
    if not m:
        return None
    via_of = m.group(0).rstrip().endswith(" of")
    tail: list[str] = []
    for token in reversed(m.group("np").split()):
        inner_preposition = token in ("in", "of") and not via_of
        if (token.lower() in SUBJECT_STOP and not inner_preposition) or token.endswith((",", ";", ":")) \
                or token.startswith("("):
            break
        tail.insert(0, token)
    while tail and tail[0] in ("in", "of"):
        tail = tail[1:]
    if not tail or (via_of and not tail[-1].islower()):
        return None  # "with Mexico of $5.3 billion": a name before "of" is not what is measured
    return clean_subject(tail)


def subject_following(text: str, end: int) -> str | None:
    """'sixth-largest U.S. trade partner and ...' -> 'U.S. trade partner'."""
    words = phrase_tokens(text[end:end + 120], 5)
    if words and words[0].endswith("ly"):
        return None  # "second most widely used material": an adverb, the noun is further on
    return clean_subject(words)


# ---- rules -------------------------------------------------------------------------------

def is_change_not_range(text: str, m: re.Match, low_group: str, high_group: str) -> bool:
    """'increased from $15.6 billion to $45.1 billion' states two values, not a range."""
    preceded_by_from = re.search(r"\b[Ff]rom\s$", text[max(0, m.start() - 6):m.start()])
    return bool(preceded_by_from and re.search(r"\s(?:to|through)\s", text[m.end(low_group):m.start(high_group)]))


def money_figures(text: str) -> list[Figure]:
    out = []
    for m in MONEY_RE.finditer(text):
        if re.match(r"\.\d", text[m.end():m.end() + 2]):
            continue  # "$1.2.3": a version or section number, not an amount
        scale_low, scale_high = scale_of(m, "s1", "a1"), (scale_of(m, "s2", "a2") if m.group("n2") else None)
        low_end = m.end("a1") if m.group("a1") else (m.end("s1") if m.group("s1") else m.end("n1"))
        if m.group("n2") and is_change_not_range(text, m, "n1", "n2"):
            high_start = m.start("n2") - 1 if text[m.start("n2") - 1] == "$" else m.start("n2")
            out.append(Figure(m.start(), low_end, "money", number_to_float(m.group("n1"), scale_low), None,
                              "USD", "rule:money", number_start=m.start("n1"), number_end=m.end("n1")))
            out.append(Figure(high_start, m.end(), "money", number_to_float(m.group("n2"), scale_high), None,
                              "USD", "rule:money", number_start=m.start("n2"), number_end=m.end("n2")))
            continue
        end, high = m.end(), None
        if m.group("n2"):
            if scale_low is None and scale_high and number_to_float(m.group("n1")) < number_to_float(m.group("n2")):
                scale_low = scale_high  # "$2-$3 billion"
            high = number_to_float(m.group("n2"), scale_high)
        low = number_to_float(m.group("n1"), scale_low)
        if high is not None and high < low:
            high, end = None, low_end
        out.append(Figure(m.start(), end, "money", low, high, "USD", "rule:money",
                          number_start=m.start("n1"), number_end=m.end("n1")))
    return out


def percent_figures(text: str) -> list[Figure]:
    out = []
    for m in PERCENT_RE.finditer(text):
        if m.group("n1"):
            low, high, unit_text, number = number_to_float(m.group("n1")), number_to_float(m.group("n2")), m.group("u"), "n1"
            if high < low or is_change_not_range(text, m, "n1", "n2"):
                unit = "percentage points" if unit_text.startswith("percentage") else "percent"
                for group, value in (("n1", low), ("n2", high)):
                    end = m.end() if group == "n2" else m.end("n1") + len(re.match(r"\s?(?:%|percent)?", text[m.end("n1"):]).group(0))
                    out.append(Figure(m.start(group), end, "percent", value, None, unit, "rule:percent",
                                      number_start=m.start(group), number_end=m.end(group)))
                continue
        else:
            low, high, unit_text, number = number_to_float(m.group("n")), None, m.group("u1"), "n"
        unit = "percentage points" if unit_text.startswith("percentage") else "percent"
        out.append(Figure(m.start(), m.end(), "percent", low, high, unit, "rule:percent",
                          number_start=m.start(number), number_end=m.end(number)))
    return out


def signed_change_figures(text: str) -> list[Figure]:
    """Negative changes: the value keeps its sign (the only figures whose value may be below zero)."""
    out = []
    for m in SIGNED_CHANGE_RE.finditer(text):
        if bool(m.group("dollar")) == bool(m.group("pct")):
            continue  # a bare "-5" is no figure; "-$5%" is no figure either
        kind, unit = ("money", "USD") if m.group("dollar") else ("percent", "percent")
        value = -number_to_float(m.group("n"), SCALES.get(m.group("s") or ""))
        out.append(Figure(m.start(), m.end(), kind, value, None, unit, f"rule:{kind}_change",
                          number_start=m.start("n"), number_end=m.end("n")))
    return out


def count_figures(text: str) -> list[Figure]:
    out = []
    for m in COUNT_RE.finditer(text):
        noun = m.group("noun")
        if CITATION_BEFORE_RE.search(text[max(0, m.start() - 12):m.start()]):
            continue  # "Article 34.7 states that ...": a citation followed by a verb
        if "." in m.group("n") and not m.group("s") and noun not in MEASURE_UNITS:
            continue  # 34.7 people is not a count; 1.2 million people is
        value = number_to_float(m.group("n"), SCALES.get(m.group("s") or ""))
        if noun in DURATION_UNITS:
            kind, unit, method, subject = "other", DURATION_UNITS[noun], "rule:duration", None
        elif noun in MEASURE_UNITS:
            kind, unit, method, subject = "count", MEASURE_UNITS[noun], "rule:measure", None
        else:
            kind, unit, method, subject = "count", COUNTED_NOUNS[noun], "rule:count", m.group("np")
        out.append(Figure(m.start(), m.end(), kind, value, None, unit, method, subject=subject,
                          number_start=m.start("n"), number_end=m.end("n")))
    for m in WORD_COUNT_RE.finditer(text):
        if ANAPHORIC_BEFORE_RE.search(text[max(0, m.start() - 8):m.start()]):
            continue  # "the two countries" refers back, it does not state a figure
        if m.group("noun") not in COUNTED_NOUNS:  # case-insensitive regex, case-sensitive lexicon
            continue
        out.append(Figure(m.start(), m.end(), "count", float(NUMBER_WORDS[m.group("w").lower()]), None,
                          COUNTED_NOUNS[m.group("noun")], "rule:count_words", subject=m.group("np"),
                          number_start=m.start("w"), number_end=m.end("w")))
    for m in COMPOUND_RE.finditer(text):
        n = m.group("n").lower()
        if CITATION_BEFORE_RE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        value = float(n) if n.isdigit() else float(NUMBER_WORDS.get(n, 1))
        unit = COMPOUND_NOUNS[m.group("noun").lower()]
        kind = "other" if unit in DURATION_UNITS.values() else "count"
        out.append(Figure(m.start(), m.end(), kind, value, None, unit, "rule:compound",
                          number_start=m.start("n"), number_end=m.end("n")))
    return out


def numbering_figures(text: str) -> list[Figure]:
    """'U.S. troops—currently numbering over 50,000—', 'U.S. troops—currently about 55,000 on
    active duty—': the counted noun comes before the number."""
    out = []
    for m in [*NUMBERING_RE.finditer(text), *ASIDE_COUNT_RE.finditer(text)]:
        before = text[max(0, m.start() - 60):m.start()]
        nouns = [n for n in re.finditer(r"(?P<np>(?:U\.S\.\s|[A-Z][\w'’-]*\s)?(?P<noun>[A-Za-z]+))\b", before)
                 if n.group("noun") in COUNTED_NOUNS]
        # the counted noun must be close: at most two words between it and "numbering"
        if not nouns or len(re.findall(r"\w+", before[nouns[-1].end():])) > 2:
            continue
        noun_match = nouns[-1]
        qualifier_start = m.start("q") if m.group("q") else m.start("n")
        out.append(Figure(qualifier_start, m.end("n"), "count", number_to_float(m.group("n")), None,
                          COUNTED_NOUNS[noun_match.group("noun")], "rule:count_numbering",
                          qualifier=m.group("q").strip().lower() if m.group("q") else None,
                          subject=noun_match.group("np"), number_start=m.start("n"), number_end=m.end("n")))
    return out


def rank_figures(text: str) -> list[Figure]:
    out = []
    for m in RANK_RE.finditer(text):
        value = float(m.group("n")) if m.group("n") else float(ORDINAL_WORDS[m.group("w").lower()])
        number = "n" if m.group("n") else "w"
        out.append(Figure(m.start(), m.end(), "rank", value, None, "rank", "rule:rank",
                          subject=subject_following(text, m.end()),
                          number_start=m.start(number), number_end=m.end(number)))
    return out


def fraction_figures(text: str) -> list[Figure]:
    out = []
    for m in FRACTION_RE.finditer(text):
        if m.group("half"):
            numerator, denominator = 1, 2
        else:
            numerator = FRACTION_NUMERATORS[(m.group("num") or m.group("num2")).lower()]
            denominator = FRACTION_DENOMINATORS[(m.group("den") or m.group("den2")).lower()]
        if numerator >= denominator:
            continue
        out.append(Figure(m.start(), m.end(), "fraction", round(numerator / denominator, 4), None, "fraction",
                          "rule:fraction", number_start=m.start(), number_end=m.end()))
    return out


# ---- assembly ----------------------------------------------------------------------------

def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def figures_to_non_overlapping(figures: list[Figure], dates: list[DateMatch]) -> list[Figure]:
    """Drop numbers inside date expressions, then keep the longest figure where rules overlap."""
    free = [f for f in figures
            if not any(overlaps(f.number_start, f.number_end, d.start_char, d.end_char) for d in dates)]
    kept: list[Figure] = []
    for f in sorted(free, key=lambda f: (-(f.end - f.start), f.start, f.method)):
        if all(not overlaps(f.start, f.end, k.start, k.end) for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end))


def figure_with_context(text: str, f: Figure, sentence: tuple[int, int]) -> Figure:
    """Add qualifier ('roughly'), per ('per year') and a subject from the words around."""
    start, end, qualifier, per = f.start, f.end, f.qualifier, None
    if qualifier is None:
        q = QUALIFIER_RE.search(text[max(sentence[0], start - 25):start])
        if q and q.group(1).lower() in PREPOSITION_QUALIFIERS and f.method == "rule:count_words":
            q = None
        if q:
            qualifier, start = q.group(1).lower(), start - (len(q.group(0)))
    p = PER_RE.match(text[end:end + 25])
    if p and f.kind in ("money", "count", "other", "percent"):
        word = p.group(1) or p.group(2) or p.group(3)
        per, end = PER_WORDS.get(word, word), end + p.end()
    subject = f.subject
    if subject is None and f.kind in ("percent", "fraction", "money"):
        subject = subject_after_of(text, end)
    if subject is None and f.kind == "money":
        subject = subject_after_of(text, end, "for")
    if subject is None and f.kind in ("percent", "money"):
        subject = subject_before_verb(text, start, sentence[0])
    return replace(f, start=start, end=end, qualifier=qualifier, per=per, subject=subject)


YEAR_AFTER_RE = re.compile(r"^(?:\s[\w'’.-]+){0,3}?\s(?:in|during|for|as of|at the end of)\s(?:the\s)?$|^\s?\($|^,?\s?$")
YEAR_BEFORE_RE = re.compile(r"^[^$%\d]{0,60}$")  # no other figure between the date and this one


def figure_year(f: Figure, dates: list[DateMatch], sentence: tuple[int, int], text: str) -> int | None:
    """The year the sentence ties the figure to: '$1.7 billion in 1993', 'in 2023, X was the
    sixth-largest'. A date after the figure joined by 'in/for/during' wins; otherwise a date
    shortly before it with no other number in between; otherwise none."""
    dated = [d for d in dates if sentence[0] <= d.start_char < sentence[1] and not d.inferred_year
             and d.granularity in ("year", "fiscal year", "month", "day", "quarter", "season")]
    for d in sorted(dated, key=lambda d: d.start_char):
        if d.start_char >= f.end and YEAR_AFTER_RE.match(text[f.end:d.start_char]):
            return d.end.year
    before = [d for d in dated if d.end_char <= f.start and YEAR_BEFORE_RE.match(text[d.end_char:f.start])]
    return before[-1].end.year if before else None


def figure_to_row(section: SectionText, f: Figure, year: int | None) -> dict:
    return {
        "text": section.text[f.start:f.end],
        "kind": f.kind,
        "value": float(f.value),
        "value_high": None if f.value_high is None else float(f.value_high),
        "unit": f.unit,
        "per": f.per,
        "qualifier": f.qualifier,
        "year": year,
        "subject": f.subject,
        **section.provenance(f.start, f.end, f.method),
    }


def text_to_figures(text: str, dates: list[DateMatch]) -> list[Figure]:
    candidates = (money_figures(text) + percent_figures(text) + signed_change_figures(text) + count_figures(text)
                  + numbering_figures(text) + rank_figures(text) + fraction_figures(text))
    return figures_to_non_overlapping(candidates, dates)


def section_to_figure_rows(section: SectionText, ctx: ExtractionContext) -> list[dict]:
    dates = text_to_date_matches(section.text, ctx.report_date)
    rows = []
    for f in text_to_figures(section.text, dates):
        sentence = section.sentence_span(f.start)
        f = figure_with_context(section.text, f, sentence)
        rows.append(figure_to_row(section, f, figure_year(f, dates, sentence, section.text)))
    return rows


def sections_to_figures(sections: list[SectionText], ctx: ExtractionContext) -> list[dict]:
    return [row for section in sections for row in section_to_figure_rows(section, ctx)]
