"""Author lines to authors: the summary page box of full reports, the bold lines at the end of an In Focus."""
from __future__ import annotations

import re

from extractors.readers.pdf_layout import Line
from extractors.readers.pdf_pages import ROLE_RE
from extractors.readers.pdf_body import join_line_texts
from extractors.readers.pdf_settings import PDF_SETTINGS


def author_lines_to_authors(lines: list[Line]) -> list[str]:
    """"Name" / "Role" line pairs (Author Information, summary box), grouped by column x."""
    by_col: dict[int, list[Line]] = {}
    for ln in lines:
        by_col.setdefault(int(ln.x0 // PDF_SETTINGS.author_column_width), []).append(ln)
    authors: list[str] = []
    for _, col in sorted(by_col.items()):
        col.sort(key=lambda ln: ln.top)
        name: list[str] = []
        role: list[str] = []
        prev: Line | None = None
        for ln in col:
            text = ln.text.strip()
            if text.lower().startswith("acknowledg"):
                break
            tight = prev is not None and ln.top - prev.top < PDF_SETTINGS.author_line_spacing * ln.size
            if role and tight:
                role.append(text)
            elif name and tight and ln.bold and prev.bold and not role:
                name.append(text)          # summary box: "Emily G. Blevins," / "Coordinator" both bold
            elif name and (ROLE_RE.match(text) or (tight and not ln.bold and prev.bold)):
                role.append(text)
            else:
                if name:
                    authors.append(author_text(name, role))
                name, role = [text], []
            prev = ln
        if name:
            authors.append(author_text(name, role))
    return authors


def has_role(author: str) -> bool:
    """An author entry always has a role line; a lone "$32,200" from a summary-box table does not."""
    return any(ROLE_RE.match(part.strip()) for part in author.split(",")[1:])


def author_text(name: list[str], role: list[str]) -> str:
    who = re.sub(r"\s+,", ",", " ".join(name)).strip().rstrip(",")
    return f"{who}, {' '.join(role)}" if role else who


def in_focus_author(lines: list[Line], i: int) -> tuple[int, str] | None:
    """In Focus closing author line: bold "Name" then ", Role" (role may wrap to the next line)."""
    ln = lines[i]
    name = ln.bold_prefix.rstrip(", ").strip()
    rest = ln.text[len(name):].strip() if name and ln.text.startswith(name) else ""
    if not rest.startswith(","):
        return None
    role = rest.lstrip(", ")
    if not ROLE_RE.match(role):
        return None
    j = i + 1
    while j < len(lines) and not lines[j].bold_prefix and lines[j].column == ln.column \
            and lines[j].page == ln.page and 0 < lines[j].top - lines[j - 1].top < PDF_SETTINGS.author_role_spacing * ln.size:
        role = join_line_texts(role, lines[j].text)
        j += 1
    return j, f"{name}, {role}"
