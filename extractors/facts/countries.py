"""A small canonical list of countries and trade regions, with the spellings CRS tables print."""
from __future__ import annotations

import re

# canonical name -> other spellings seen in tables and captions (lowercase, no punctuation folding)
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "United States": ("u.s.", "us", "usa", "united states of america", "the united states"),
    "Canada": (),
    "Mexico": (),
    "China": ("prc", "people's republic of china", "mainland china"),
    "Japan": (),
    "Germany": (),
    "United Kingdom": ("uk", "u.k.", "britain", "great britain"),
    "France": (),
    "Italy": (),
    "Spain": (),
    "Netherlands": ("the netherlands", "holland"),
    "Belgium": (),
    "Ireland": (),
    "Switzerland": (),
    "Sweden": (),
    "Norway": (),
    "Denmark": (),
    "Austria": (),
    "Poland": (),
    "Russia": ("russian federation",),
    "Ukraine": (),
    "Turkey": ("turkiye", "t\u00fcrkiye"),
    "Israel": (),
    "Saudi Arabia": (),
    "United Arab Emirates": ("uae", "u.a.e."),
    "Egypt": (),
    "South Africa": (),
    "Nigeria": (),
    "India": (),
    "Pakistan": (),
    "Bangladesh": (),
    "South Korea": ("korea", "republic of korea", "korea, south", "rok"),
    "North Korea": ("korea, north", "dprk"),
    "Taiwan": (),
    "Hong Kong": (),
    "Singapore": (),
    "Malaysia": (),
    "Thailand": (),
    "Vietnam": ("viet nam",),
    "Indonesia": (),
    "Philippines": ("the philippines",),
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
    for table in (COUNTRY_ALIASES, REGION_ALIASES):
        for canonical, aliases in table.items():
            lookup[canonical.lower()] = canonical
            for alias in aliases:
                lookup[alias] = canonical
    return lookup


NAME_LOOKUP = build_lookup()
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
        if len(alias) < 3 and alias not in ("uk",):
            continue
        for match in re.finditer(r"(?<![\w.])" + re.escape(alias) + r"(?![\w])", lowered):
            found.append((match.start(), canonical))
    ordered: list[str] = []
    for _, canonical in sorted(found):
        if canonical not in ordered:
            ordered.append(canonical)
    return ordered
