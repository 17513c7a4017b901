"""Author lines -> authors rows (name, role, coordinator, order)."""
from __future__ import annotations

import re

from extractors.model import Block

# Author lines end with a CRS job title; these words start one.
ROLE_START_RE = re.compile(
    r"^(?:Specialist|Analyst|Legislative Attorney|Senior|Section Research Manager|Research|Acting|Assistant|"
    r"Coordinator of|Head|Director|Deputy|Visiting|Fellow|Presidential|Information|Law Librarian|Economist|Policy)\b"
)


def author_line_to_row(line: str) -> dict | None:
    """'Mark E. Manyin, Coordinator, Specialist in Asian Affairs' -> name, coordinator, role."""
    parts = [p.strip() for p in line.split(",") if p.strip()]
    if not parts:
        return None
    name, rest = parts[0], parts[1:]
    coordinator = bool(rest) and rest[0].lower() == "coordinator"
    if coordinator:
        rest = rest[1:]
    # "Name, Jr., Specialist ..." keeps the suffix in the name
    while rest and not ROLE_START_RE.match(rest[0]) and re.fullmatch(r"(?:Jr|Sr|II|III|IV)\.?", rest[0]):
        name = f"{name}, {rest.pop(0)}"
    role = ", ".join(rest) or None
    if not re.search(r"[A-Za-z]", name) or len(name.split()) > 6:
        return None
    return {"name": name, "role": role, "coordinator": coordinator}


def header_authors_to_rows(authors: str) -> list[dict]:
    """'Trachtenberg, Danielle M.; Villarreal, M. Angeles' (last, first) -> rows without roles."""
    rows = []
    for entry in [a.strip() for a in authors.split(";") if a.strip()]:
        last, _, first = entry.partition(",")
        name = f"{first.strip()} {last.strip()}".strip() if first else last.strip()
        rows.append({"name": name, "role": None, "coordinator": False})
    return rows


def blocks_to_authors(blocks: list[Block], header_authors: str | None = None) -> list[dict]:
    rows = [row for b in blocks if b.kind == "author" and (row := author_line_to_row(b.text))]
    if not rows and header_authors:
        rows = header_authors_to_rows(header_authors)
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row["name"] not in seen:
            seen.add(row["name"])
            unique.append(row)
    return [{**row, "order": i + 1} for i, row in enumerate(unique)]
