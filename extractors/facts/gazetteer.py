"""Canonical names for places and U.S. government bodies CRS writes about.

Two uses: ``entity_ruler_patterns()`` feeds the EntityRuler that runs before spaCy's NER (only
multiword names and unambiguous acronyms, so that "U.S." inside "U.S. Steel Corporation" is left
to the model), and ``alias_to_entry`` gives the canonical norm and label of any alias the model found.
"""
from __future__ import annotations

from functools import cache

from extractors.facts.countries import COUNTRIES

RULER_METHOD = "rule:gazetteer"

# The U.S. federal district and all five inhabited U.S. territories: the one general rule for a
# place below country level (spaCy's small model splits "Washington, DC" and misses some of these).
# States are left to the model: their names nest in city names ("New York City").
US_DISTRICT_AND_TERRITORIES: dict[str, tuple[str, ...]] = {
    "Washington, DC": ("Washington, D.C.", "District of Columbia"),
    "Puerto Rico": (),
    "Guam": (),
    "U.S. Virgin Islands": ("United States Virgin Islands",),
    "American Samoa": (),
    "Northern Mariana Islands": ("Commonwealth of the Northern Mariana Islands",),
}
# Countries come from the one list in countries.py (also used by the trade tables); other places
# are left to spaCy's NER.
PLACES: dict[str, tuple[str, ...]] = {**COUNTRIES, **US_DISTRICT_AND_TERRITORIES}
LOCATIONS: dict[str, tuple[str, ...]] = {
    "Indo-Pacific": (),
    "East China Sea": (),
    "South China Sea": (),
    "Taiwan Strait": (),
    "Korean Peninsula": (),
    "Western Hemisphere": (),
    "Europe": (),
    "Asia": (),
    "Latin America": (),
    "Middle East": (),
}
# U.S. agencies, congressional bodies and a few international organisations.
ORGANIZATIONS: dict[str, tuple[str, ...]] = {
    "Congress": ("U.S. Congress", "Congresses"),
    "Senate": ("U.S. Senate",),
    "House of Representatives": ("U.S. House of Representatives",),
    "Supreme Court": ("U.S. Supreme Court",),
    "Congressional Research Service": ("CRS",),
    "Congressional Budget Office": ("CBO",),
    "Government Accountability Office": ("GAO",),
    "Office of Management and Budget": ("OMB",),
    "White House": (),
    "Department of Agriculture": ("U.S. Department of Agriculture", "USDA", "Agriculture Department"),
    "Department of Commerce": ("U.S. Department of Commerce", "Commerce Department", "DOC"),
    "Department of Defense": ("U.S. Department of Defense", "Defense Department", "DOD", "DoD"),
    "Department of Energy": ("U.S. Department of Energy", "Energy Department", "DOE"),
    "Department of State": ("U.S. Department of State", "State Department"),
    "Department of the Treasury": ("U.S. Department of the Treasury", "Treasury Department"),
    "Department of Justice": ("U.S. Department of Justice", "Justice Department", "DOJ"),
    "Department of Homeland Security": ("DHS",),
    "Department of Health and Human Services": ("HHS",),
    "Department of Labor": ("Labor Department", "DOL"),
    "Department of the Interior": ("Interior Department", "DOI"),
    "Department of Transportation": ("DOT",),
    "Department of Education": ("Education Department",),
    "Department of Veterans Affairs": ("VA",),
    "Department of Housing and Urban Development": ("HUD",),
    "Bureau of Economic Analysis": ("BEA",),
    "Bureau of Labor Statistics": ("BLS",),
    "Census Bureau": ("U.S. Census Bureau", "Bureau of the Census"),
    "Committee on Foreign Investment in the United States": ("CFIUS",),
    "Office of the U.S. Trade Representative": ("USTR", "Office of the United States Trade Representative"),
    "Environmental Protection Agency": ("EPA", "U.S. Environmental Protection Agency"),
    "Federal Trade Commission": ("FTC",),
    "Federal Reserve": ("Federal Reserve System", "Federal Reserve Board"),
    "Internal Revenue Service": ("IRS",),
    "National Institutes of Health": ("NIH",),
    "National Science Foundation": ("NSF",),
    "National Aeronautics and Space Administration": ("NASA",),
    "Foreign Agricultural Service": ("FAS",),
    "Commodity Credit Corporation": ("CCC",),
    "U.S. International Trade Commission": ("USITC",),
    "U.S. Customs and Border Protection": ("CBP", "Customs and Border Protection"),
    "House Committee on Appropriations": ("House Appropriations Committee",),
    "Senate Committee on Appropriations": ("Senate Appropriations Committee",),
    "House Committee on Ways and Means": ("House Ways and Means Committee", "Ways and Means Committee"),
    "Senate Committee on Finance": ("Senate Finance Committee",),
    "House Committee on Agriculture": ("House Agriculture Committee",),
    "Senate Committee on Agriculture, Nutrition, and Forestry": ("Senate Agriculture Committee",),
    "House Committee on the Budget": ("House Budget Committee",),
    "Senate Committee on the Budget": ("Senate Budget Committee",),
    "European Union": ("EU",),
    "World Trade Organization": ("WTO",),
    "North Atlantic Treaty Organization": ("NATO",),
    "United Nations": ("U.N.", "UN"),
    "International Monetary Fund": ("IMF",),
    "World Bank": (),
}

# Short or ambiguous aliases the EntityRuler must not claim: they occur inside longer names
# ("U.S. Steel Corporation", "Senate Committee on Finance", "VA loans") that the model finds whole.
NOT_FOR_RULER = {"U.S.", "US", "America", "United States", "Congress", "Senate", "UK", "U.K.", "EU", "UN", "U.N.", "VA", "DOC",
                 "DOI", "DOL", "DOT", "White House", "Europe", "Asia", "Britain", "ROK", "Japan", "China",
                 "Taiwan", "Guam", "Turkey", "Chile", "Federal Reserve", "Korea"}


@cache
def alias_to_entry() -> dict[str, tuple[str, str]]:
    """alias -> (canonical name, label)."""
    table: dict[str, tuple[str, str]] = {}
    for label, names in (("GPE", PLACES), ("LOC", LOCATIONS), ("ORG", ORGANIZATIONS)):
        for canonical, aliases in names.items():
            for alias in (canonical, *aliases):
                table[alias] = (canonical, label)
    return table


def canonical_entry(text: str) -> tuple[str, str] | None:
    """(canonical name, label) for a known alias, matched exactly, then case-insensitively for
    names longer than an acronym; None when unknown."""
    table = alias_to_entry()
    if text in table:
        return table[text]
    if len(text) > 5:
        return _lowercase_aliases().get(text.lower())
    return None


@cache
def _lowercase_aliases() -> dict[str, tuple[str, str]]:
    return {alias.lower(): entry for alias, entry in alias_to_entry().items()}


def is_place_alias(text: str) -> bool:
    entry = canonical_entry(text)
    return entry is not None and entry[1] in ("GPE", "LOC")


def entity_ruler_patterns() -> list[dict]:
    patterns = []
    for alias, (canonical, label) in sorted(alias_to_entry().items()):
        if alias in NOT_FOR_RULER or alias.startswith("the ") or (
                label != "ORG" and " " not in alias and alias not in ("PRC", "DPRK")):
            continue
        patterns.append({"label": label, "pattern": alias, "id": RULER_METHOD})
    return patterns
