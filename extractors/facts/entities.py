"""Named entities from spaCy Docs of CRS sections, cleaned and canonicalised with CRS rules.

Order of work for one document: law rules (exact regex spans) > acronym long forms > model and
gazetteer entities (cleaned: no markup, no line breaks, no leading "the", compound adjectives
such as "U.S.-Japan" split into places) > acronym short forms linked to their long form >
document-level label agreement (a name the model tags PERSON once is PERSON everywhere).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from extractors.facts.gazetteer import RULER_METHOD, canonical_entry, is_place_alias
from extractors.facts.law_patterns import LAW_METHOD, text_to_law_spans
from extractors.section_text import SectionText

KEPT_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")
ACRONYM_METHOD = "rule:acronym"
COMPOUND_METHOD = "rule:compound-split"
# Head nouns that decide the label of a capitalised acronym long form.
HEAD_LABELS = {
    **dict.fromkeys(("Act", "Code", "Treaty", "Convention", "Agreement", "Accord", "Resolution"), "LAW"),
    **dict.fromkeys((
        "Party", "Committee", "Commission", "Department", "Agency", "Bureau", "Office", "Service", "Forces",
        "Force", "Corporation", "Company", "Council", "Board", "Administration", "Organization", "Union",
        "Association", "Institute", "Institutes", "Foundation", "Bank", "Fund", "Dialogue", "Framework",
        "Partnership", "Court", "Command", "Authority", "Center", "Program", "Initiative", "Group", "Forum",
        "System", "Reserve", "Coalition", "Alliance", "Cooperation", "Community", "Network", "Assistance",
    ), "ORG"),
}
# Words after a name that say it is an organisation ("the Komeito party").
ORG_CUE_RE = re.compile(r"\s+(?:party|company|corporation|coalition|union|agency|group)\b")
ORG_CUE_WORD_RE = re.compile(r"\s+(?:party|company|corporation|coalition|union|agency|group)$")
# Capitalised common nouns the model tags alone ("the Administration", "the Agencies").
GENERIC_WORDS = {
    "Administration", "Agencies", "Agency", "Government", "Department", "Committee", "Court", "Commission",
    "Member", "Members", "State", "States", "Bureau", "Office", "Service", "Board", "Council", "Secretary",
    "President", "Chair", "Chairman", "Act", "Section", "Title", "Federal", "National",
    "Notes", "Note", "Appendix", "Table", "Figure", "Source", "Sources", "Billions", "Millions", "Thousands",
}
TITLE_RE = re.compile(
    r"^(?:(?:Former|Then|Acting|Vice|Deputy)\s+)?(?:President|Chair|Chairman|Chairwoman|Commissioner|Senator|Sen\.|"
    r"Representative|Rep\.|Speaker|Secretary|Judge|Justice|Chief Justice|Prime Minister|Minister|Governor|Gov\.|"
    r"Ambassador|General|Gen\.|Admiral|Dr\.|Mr\.|Ms\.|Mrs\.|Leader)\s+"
)
PERSON_TITLE_BEFORE_RE = re.compile(
    r"(?i)\b(?:premier|President|Prime Minister|Senator|Sen\.|Representative|Rep\.|Speaker|Secretary|Commissioner|Chair|"
    r"Chairman|Chairwoman|Ambassador|Governor|Judge|Justice|Leader)\s+$"
)
TITLE_WORD_END_RE = re.compile(r"\b(?:King|Queen|Majesty|Excellency|Highness|President|Chair|Senator|Speaker|Minister)$")
FACILITY_END_RE = re.compile(r"\b(?:Building|Center|Hall|Airport|Bridge|Base|Station|Laboratory)$")
GROUP_NOUN_RE = re.compile(r"\b(?:Natives|Indians|Americans|Hispanics|Latinos|Europeans|Asians)$")
ROMAN_WORD_RE = re.compile(r"(?:^|\s)(?:I|II|III|IV|V|VI|VII|VIII|IX|X)\b")
MARKUP_RE = re.compile(r"[#*<>|_=\[\]{}\\]")
LEADING_THE_RE = re.compile(r"^(?:the|The|THE)\s+")
TRAILING_RE = re.compile(r"(?:'s|’s|'|’|[\s,.;:(\[-]|\s(?:of|and|the|for|in|on))+$")
DEMONYM_SUFFIXES = ("n", "ns", "ese", "an", "ans", "ian", "ians")


@dataclass(frozen=True)
class Mention:
    section: int
    start: int
    end: int
    label: str
    norm: str
    method: str
    weight: int = 1   # evidence for the label in document-level agreement: rules outweigh the model


def sections_to_entities(sections: list[SectionText], docs: list[Doc], acronyms: list[dict], model_name: str) -> list[dict]:
    """docs[i] is the spaCy Doc of sections[i].text."""
    if len(sections) != len(docs):
        raise ValueError(f"{len(sections)} sections but {len(docs)} docs")
    long_forms = acronyms_to_long_forms(acronyms)
    mentions: list[Mention] = []
    for index, (section, doc) in enumerate(zip(sections, docs)):
        if doc.text != section.text:
            raise ValueError(f"doc {index} is not the Doc of section {section.section_id!r}")
        mentions += section_to_mentions(index, section.text, doc, long_forms, model_name)
    mentions = link_short_forms(mentions, sections, long_forms)
    mentions = agree_labels(mentions, sections)
    mentions.sort(key=lambda m: (m.section, m.start, m.end, m.label))
    return [mention_to_row(m, sections[m.section]) for m in mentions]


def mention_to_row(mention: Mention, section: SectionText) -> dict:
    return {
        "text": section.text[mention.start:mention.end],
        "label": mention.label,
        "norm": mention.norm,
        **section.provenance(mention.start, mention.end, mention.method),
    }


def entities_to_counts(rows: list[dict]) -> list[dict]:
    """One row per (norm, label): mentions and the section of the first mention; most mentioned first."""
    counts: Counter = Counter()
    first_section: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row["norm"], row["label"])
        counts[key] += 1
        first_section.setdefault(key, row["section_id"])
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    return [
        {"norm": norm, "label": label, "mentions": n, "first_section_id": first_section[(norm, label)]}
        for (norm, label), n in ordered
    ]


# --- acronyms -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LongForm:
    short: str
    long: str
    norm: str
    label: str | None     # None: a common noun ("gross domestic product"), not a named entity


def acronyms_to_long_forms(acronyms: list[dict]) -> dict[str, LongForm]:
    forms = {}
    for row in acronyms:
        long = LEADING_THE_RE.sub("", row["long"]).strip()
        entry = canonical_entry(long) or canonical_entry(row["short"])
        if entry:
            norm, label = entry
        else:
            norm, label = long, long_form_to_label(long)
        forms[row["short"]] = LongForm(row["short"], long, norm, label)
    return forms


def long_form_to_label(long: str) -> str | None:
    words = long.split()
    content = [w for w in words if w.lower() not in ("of", "for", "and", "the", "on", "in", "to", "a", "an")]
    if not content or not all(w[:1].isupper() or not w[:1].isalpha() for w in content):
        return None
    head = re.sub(r"[^A-Za-z]", "", words[-1])
    if head in HEAD_LABELS:
        return HEAD_LABELS[head]
    # "Constitutional Democratic Party of Japan": the head is before "of"
    for word in reversed(words[:-1]):
        if word in HEAD_LABELS:
            return HEAD_LABELS[word]
    return None


# --- one section ----------------------------------------------------------------------------

def section_to_mentions(index: int, text: str, doc: Doc, long_forms: dict[str, LongForm], model_name: str) -> list[Mention]:
    laws = [Mention(index, s.start, s.end, "LAW", s.norm, LAW_METHOD, 10) for s in text_to_law_spans(text)]
    longs = [m for m in long_form_mentions(index, text, long_forms) if not _overlaps_any(m, laws)]
    taken = laws + longs
    model = []
    for ent in doc.ents:
        if ent.label_ not in KEPT_LABELS:
            continue
        method = ent.ent_id_ or model_name
        for mention in span_to_mentions(index, text, ent.start_char, ent.end_char, ent.label_, method):
            if not _overlaps_any(mention, taken):
                model.append(mention)
    return taken + model


def long_form_mentions(index: int, text: str, long_forms: dict[str, LongForm]) -> list[Mention]:
    found: list[Mention] = []
    for form in sorted(long_forms.values(), key=lambda f: (-len(f.long), f.long)):
        if form.label is None:
            continue
        for match in re.finditer(r"(?<![\w-])" + re.escape(form.long) + r"(?![\w-])", text):
            mention = Mention(index, match.start(), match.end(), form.label, form.norm, ACRONYM_METHOD, 5)
            if not _overlaps_any(mention, found):
                found.append(mention)
    return found


def span_to_mentions(index: int, text: str, start: int, end: int, label: str, method: str) -> list[Mention]:
    """Clean one model/gazetteer span into zero or more mentions."""
    start, end = trim_span(text, start, end)
    if label == "PERSON":
        end = extend_hyphenated_name(text, end)
        if GROUP_NOUN_RE.search(text[start:end]):
            label = "NORP"   # "American Indians and Alaska Natives"
        elif FACILITY_END_RE.search(text[start:end]):
            label = "FAC"    # "Yates Building (DC)"
    if label in ("GPE", "ORG", "LOC") and not canonical_entry(text[start:end]):
        end = extend_of_name(text, end)
    if label == "PERSON" and TITLE_WORD_END_RE.search(text[start:end]):
        return []   # "His Majesty King" is a title, not a name
    if label == "WORK_OF_ART" and not is_whole_quoted_title(text, start, end):
        return []
    if label == "PERSON":
        start = skip_title(text, start, end)
    surface = text[start:end]
    if end <= start or not looks_like_a_name(surface):
        return []
    if "-" in surface and not canonical_entry(surface):
        parts = compound_to_places(index, text, start, end)
        if parts is not None:
            return parts
    weight = 3 if method == RULER_METHOD else 1
    if label in ("ORG", "GPE", "NORP") and PERSON_TITLE_BEFORE_RE.search(text[max(0, start - 40):start]) \
            and len(surface.split()) in (1, 2, 3) and all(w[:1].isupper() for w in surface.split()):
        label, weight = "PERSON", 3   # "Prime Minister Sanae Takaichi" was an ORG
    cue = ORG_CUE_WORD_RE.search(surface)
    if cue and label in ("ORG", "GPE", "NORP"):
        end = start + cue.start()   # "the Komeito party" -> "Komeito"
        surface = text[start:end]
    if label in ("ORG", "GPE", "NORP") and (cue or ORG_CUE_RE.match(text, end)):
        label, weight = "ORG", 3
    entry = canonical_entry(surface)
    if entry:
        norm, label = entry
        weight = max(weight, 3)
    else:
        norm = re.sub(r"\s+", " ", surface)
    return [Mention(index, start, end, label, norm, method, weight)]


def looks_like_a_name(surface: str) -> bool:
    """No markup, URL debris, line breaks, lowercase words ("lessen") or generic nouns ("Agencies")."""
    if "\n" in surface or MARKUP_RE.search(surface) or "%" in surface or surface.count("(") != surface.count(")"):
        return False
    if not any(ch.isupper() for ch in surface) or surface in GENERIC_WORDS:
        return False
    if re.fullmatch(r"FY\s?\d{2,4}|(?:Table|Figure|Appendix|Box)\s+[A-Z]?-?\d+[a-z]?", surface):
        return False   # fiscal years belong to dates; "Table 2" is a cross-reference
    return not re.match(r"(?:This|These|That|Those|Such)\b", surface)


def skip_title(text: str, start: int, end: int) -> int:
    """"Chair Khan" -> "Khan", "President Biden" -> "Biden" (titles are not part of the name)."""
    match = TITLE_RE.match(text[start:end])
    return start + match.end() if match and start + match.end() < end else start


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    surface = text[start:end]
    lead = LEADING_THE_RE.match(surface)
    if lead:
        start += lead.end()
    surface = text[start:end]
    # keep the final dot of an abbreviation ("U.S.", "Inc.")
    trail = TRAILING_RE.search(surface)
    if trail and not re.search(r"(?:\b[A-Z]\.|Inc\.|Co\.|Corp\.|Ltd\.)$", surface):
        end -= len(trail.group())
    elif trail and re.search(r"(?:'s|’s)$", surface):
        end -= 2
    return start, end


# Matched in place (pos/endpos), never on slices: slicing the text at every mention made a
# one-line 10 MB markdown file quadratic (it ran out of memory before it published).
HYPHENATED_TAIL_RE = re.compile(r"-[a-z]+\b")
STATE_HEAD_RE = re.compile(r"\b(?:Kingdom|Republic|Commonwealth|Emirates|Federation|Sultanate|Principality)$")
OF_NAME_TAIL_RE = re.compile(r" of (?:the )?[A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?\b")


def extend_hyphenated_name(text: str, end: int) -> int:
    """The model stops at the hyphen of Korean given names: "Yoon Suk[-yeol]"."""
    match = HYPHENATED_TAIL_RE.match(text, end)
    return match.end() if match else end


def extend_of_name(text: str, end: int) -> int:
    """The model stops before "of": "Hashemite Kingdom[ of Jordan]"."""
    if not STATE_HEAD_RE.search(text, max(0, end - 40), end):
        return end
    match = OF_NAME_TAIL_RE.match(text, end)
    return match.end() if match else end


def is_whole_quoted_title(text: str, start: int, end: int) -> bool:
    """Titles the model cuts short ("Joint Sessions and Meetings, Address" of a longer quoted
    title) are wrong rows; keep only a title that is exactly a quoted string."""
    return text[start - 1:start] in ("\"", "“") and bool(re.match(r"[,.]?[\"”]", text[end:end + 2]))


def compound_to_places(index: int, text: str, start: int, end: int) -> list[Mention] | None:
    """"U.S.-Japan" -> [U.S., Japan]; "U.S.-led" -> [U.S.]; None when no part is a place
    (e.g. "Trans-Pacific Partnership" is left alone)."""
    surface = text[start:end]
    pieces = [(m.start() + start, m.end() + start) for m in re.finditer(r"[^-–]+", surface)]
    if len(pieces) < 2:
        return None
    places = [(s, e) for s, e in pieces if is_place_alias(text[s:e])]
    first_or_last = is_place_alias(text[pieces[0][0]:pieces[0][1]]) or is_place_alias(text[pieces[-1][0]:pieces[-1][1]])
    if not places or not first_or_last:
        return None
    mentions = []
    for s, e in places:
        norm, label = canonical_entry(text[s:e])
        mentions.append(Mention(index, s, e, label, norm, COMPOUND_METHOD, 3))
    return mentions


def _overlaps_any(mention: Mention, others: list[Mention]) -> bool:
    return any(o.section == mention.section and o.start < mention.end and mention.start < o.end for o in others)


# --- document level -------------------------------------------------------------------------

def link_short_forms(mentions: list[Mention], sections: list[SectionText], long_forms: dict[str, LongForm]) -> list[Mention]:
    """Every mention of a defined short form ("LDP", "LDP's") takes its long form's norm and label;
    short forms of common nouns ("EV", "GDP") are not entities."""
    if not long_forms:
        return mentions
    # "LDP-Komeito coalition" and "IRA-funded" mention LDP and IRA too
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(s) for s in sorted(long_forms, key=len, reverse=True)) + r")(?!\w)")
    short_mentions = []
    for index, section in enumerate(sections):
        for match in pattern.finditer(section.text):
            form = long_forms[match.group(1)]
            short_mentions.append(Mention(index, match.start(), match.end(), form.label or "", form.norm, ACRONYM_METHOD, 5))
    # Rules and long forms stay; a model span holding a short form ("NAFTA/USMCA", "U.S. FDI",
    # "EV") gives way to the short form's own mention(s), or to nothing for common nouns.
    # Overlaps are looked up within the mention's section only (the only ones _overlaps_any can
    # find): comparing every mention with every short form of the document was quadratic.
    shorts_in = mentions_by_section(short_mentions)
    kept = [m for m in mentions if m.weight >= 5 or not _overlaps_any(m, shorts_in.get(m.section, []))]
    kept_in = mentions_by_section(kept)
    for mention in short_mentions:
        if mention.label and not _overlaps_any(mention, kept_in[mention.section]):
            kept.append(mention)
            kept_in[mention.section].append(mention)
    return kept


def mentions_by_section(mentions: list[Mention]) -> defaultdict[int, list[Mention]]:
    by_section: defaultdict[int, list[Mention]] = defaultdict(list)
    for mention in mentions:
        by_section[mention.section].append(mention)
    return by_section


def agree_labels(mentions: list[Mention], sections: list[SectionText]) -> list[Mention]:
    """One label per norm in a document, by weighted vote; surnames join their full PERSON name;
    demonyms of places in the document ("Okinawan") are NORP."""
    full_names = _person_full_names(mentions)
    places = {m.norm for m in mentions if m.label in ("GPE", "LOC")}
    resolved = []
    for m in mentions:
        text = sections[m.section].text
        regnal = ROMAN_WORD_RE.match(text[m.end:m.end + 5].lstrip())
        if m.weight < 3 and " " not in m.norm and m.norm in full_names and not regnal:
            m = replace(m, norm=full_names[m.norm], label="PERSON")
        elif m.weight < 3 and _is_demonym(m.norm, places):
            m = replace(m, label="NORP")
        resolved.append(m)
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in resolved:
        votes[m.norm][m.label] += m.weight
    winner = {norm: max(sorted(c.items()), key=lambda item: item[1])[0] for norm, c in votes.items()}
    return [m if m.weight >= 5 else replace(m, label=winner[m.norm]) for m in resolved]


def _person_full_names(mentions: list[Mention]) -> dict[str, str]:
    """First or last word of a multiword PERSON name -> that name, when unambiguous."""
    candidates: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        # regnal and long Arabic names ("King Abdullah II Bin Al Hussein") share words across people
        if m.label == "PERSON" and 2 <= len(m.norm.split()) <= 3 and not ROMAN_WORD_RE.search(m.norm):
            words = m.norm.split()
            for word in (words[0], words[-1], words[-1].split("-")[0]):
                if len(word) > 2 and word[:1].isupper() and not word.endswith("."):
                    candidates[word].add(m.norm)
    return {word: next(iter(names)) for word, names in candidates.items() if len(names) == 1}


def _is_demonym(norm: str, places: set[str]) -> bool:
    if " " in norm or norm in places:
        return False
    return any(norm.endswith(suffix) and norm[: -len(suffix)] in places for suffix in DEMONYM_SUFFIXES)
