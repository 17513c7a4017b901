"""The one list of country names: canonical name -> aliases, cased as CRS prints them.

Two users: the trade-table reader (``name_to_country``, ``text_to_countries``, which compare
lowercased text) and the NER gazetteer (``extractors.facts.gazetteer`` builds its GPE entries from
``COUNTRIES``). A country recognised in a trade table is therefore always a known place for NER.
"""
from __future__ import annotations

import re

# canonical name -> other spellings seen in text, tables and captions (cased; lookups lowercase them)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "United States": ("U.S.", "US", "USA", "U.S.A.", "United States of America", "the United States", "America"),
    "Canada": (),
    "Mexico": (),
    "China": ("PRC", "People's Republic of China", "People\u2019s Republic of China", "Mainland China"),
    "Japan": (),
    "Germany": (),
    "United Kingdom": ("UK", "U.K.", "Britain", "Great Britain"),
    "France": (),
    "Italy": (),
    "Spain": (),
    "Netherlands": ("the Netherlands", "Holland"),
    "Belgium": (),
    "Ireland": (),
    "Switzerland": (),
    "Sweden": (),
    "Norway": (),
    "Denmark": (),
    "Austria": (),
    "Poland": (),
    "Greece": (),
    "Russia": ("Russian Federation",),
    "Ukraine": (),
    "Turkey": ("Turkiye", "T\u00fcrkiye"),
    "Israel": (),
    "Iran": (),
    "Iraq": (),
    "Syria": (),
    "Afghanistan": (),
    "Saudi Arabia": (),
    "United Arab Emirates": ("UAE", "U.A.E."),
    "Egypt": (),
    "South Africa": (),
    "Nigeria": (),
    "India": (),
    "Pakistan": (),
    "Bangladesh": (),
    "South Korea": ("Korea", "Republic of Korea", "Korea, South", "ROK"),
    "North Korea": ("Korea, North", "DPRK", "Democratic People's Republic of Korea"),
    "Taiwan": (),
    "Hong Kong": (),
    "Singapore": (),
    "Malaysia": (),
    "Thailand": (),
    "Vietnam": ("Viet Nam",),
    "Indonesia": (),
    "Philippines": ("the Philippines",),
    "Australia": (),
    "New Zealand": (),
    "Brazil": (),
    "Argentina": (),
    "Chile": (),
    "Colombia": (),
    "Peru": (),
    "Guatemala": (),
    "Honduras": (),
    "El Salvador": (),
    "Costa Rica": (),
    "Panama": (),
    "Dominican Republic": (),
    "Cuba": (),
    "Haiti": (),
    "Venezuela": (),
    "Ecuador": (),
}
# Aliases that name the country alone but occur inside longer place names ("Latin America"), so a
# caption search must not look for them.
NOT_IN_CAPTIONS = {"America"}
REGION_ALIASES: dict[str, tuple[str, ...]] = {
    "European Union": ("eu", "eu-27", "eu27", "e.u."),
    "World": ("all countries", "world total"),
    "ASEAN": ("association of southeast asian nations",),
    "USMCA partners": ("usmca", "nafta", "nafta partners"),
}

MARKUP_RE = re.compile(r"</?[a-z]+[^>]*>|\*\*", re.I)


def normalize_name(text: str) -> str:
    text = MARKUP_RE.sub("", text)
    text = re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().strip(":;,").strip()
    return text.lower()


def build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for table in (COUNTRIES, REGION_ALIASES):
        for canonical, aliases in table.items():
            lookup[canonical.lower()] = canonical
            for alias in aliases:
                lookup[normalize_name(alias)] = canonical
    return lookup


NAME_LOOKUP = build_lookup()
CAPTION_EXCLUDED = {normalize_name(alias) for alias in NOT_IN_CAPTIONS}
CANONICAL_NAMES = frozenset(NAME_LOOKUP.values())


def name_to_country(text: str) -> str | None:
    """"UK" -> "United Kingdom", "<b>Japan</b>" -> "Japan"; None when the text is not a known name."""
    return NAME_LOOKUP.get(normalize_name(text))


def text_to_countries(text: str) -> list[str]:
    """Every known country or region named in a longer text (a caption), in order, without repeats.
    Only full names and multi-letter aliases with word boundaries count, so "US" inside a word does not."""
    found: list[tuple[int, str]] = []
    lowered = text.replace("\u2019", "'").lower()
    for alias, canonical in NAME_LOOKUP.items():
        if (len(alias) < 3 and alias not in ("uk",)) or alias in CAPTION_EXCLUDED:
            continue
        for match in re.finditer(r"(?<![\w.])" + re.escape(alias) + r"(?![\w])", lowered):
            found.append((match.start(), canonical))
    ordered: list[str] = []
    for _, canonical in sorted(found):
        if canonical not in ordered:
            ordered.append(canonical)
    return ordered
