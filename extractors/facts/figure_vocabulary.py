"""What a figure is made of: kinds, scales, counted nouns and units, qualifiers, the number patterns, and the subject of a figure (the words it counts or measures)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


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
