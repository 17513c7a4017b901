"""Numeric statements in section text: money, percentages, counts, ranks and fractions.

Every rule needs an explicit marker of what the number measures ("$", "%", a counted noun,
"-largest", "of"...): a bare number is never a figure, which keeps legal citations, bill and
page numbers and footnote markers out without listing them all. Numbers inside date
expressions (found by extractors.facts.dates) never become figures.
"""
from __future__ import annotations

import re
from dataclasses import replace

from extractors.facts.dates import DateMatch, text_to_date_matches
from extractors.section_text import ExtractionContext, SectionText
from extractors.facts.figure_vocabulary import ANAPHORIC_BEFORE_RE, ASIDE_COUNT_RE, CITATION_BEFORE_RE, COMPOUND_NOUNS, COMPOUND_RE, COUNTED_NOUNS, COUNT_RE, DURATION_UNITS, FRACTION_DENOMINATORS, FRACTION_NUMERATORS, FRACTION_RE, Figure, MEASURE_UNITS, MONEY_RE, NUMBERING_RE, NUMBER_WORDS, ORDINAL_WORDS, PERCENT_RE, PER_RE, PER_WORDS, PREPOSITION_QUALIFIERS, QUALIFIER_RE, RANK_RE, SCALES, SIGNED_CHANGE_RE, WORD_COUNT_RE, number_to_float, scale_of, subject_after_of, subject_before_verb, subject_following


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
