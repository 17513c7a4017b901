"""Blocks in reading order -> sections (heading, level, order, text) and the texts extractors see."""
from __future__ import annotations

from dataclasses import dataclass

from extractors.model import Block, Footnote

BOILERPLATE_HEADINGS = {"disclaimer"}


@dataclass(frozen=True)
class Section:
    section_id: str
    order: int
    heading: str
    level: int
    text: str
    boilerplate: bool
    page_start: int | None
    footnote_refs: tuple[str, ...] = ()


def section_id_for(order: int) -> str:
    return f"s{order:03d}"


def blocks_to_sections(blocks: list[Block]) -> list[Section]:
    """A heading opens a section; paragraphs fill it; boilerplate gathers in a flagged section."""
    sections: list[Section] = []
    heading, level, page, paragraphs, refs = "", 0, None, [], []
    boilerplate_parts: list[Block] = []

    def close() -> None:
        if paragraphs or heading:
            order = len(sections) + 1
            sections.append(
                Section(section_id_for(order), order, heading, level, "\n\n".join(paragraphs), False, page, tuple(refs))
            )

    for block in blocks:
        if block.kind == "boilerplate":
            boilerplate_parts.append(block)
        elif block.kind == "heading":
            close()
            heading, level, page, paragraphs, refs = block.text, block.level, block.page, [], []
        elif block.kind == "paragraph":
            if page is None:
                page = block.page
            paragraphs.append(block.text)
            refs.extend(r for r in block.footnote_refs if r not in refs)
    close()
    if boilerplate_parts:
        first = boilerplate_parts[0]
        texts = [b.text for b in boilerplate_parts]
        # PDFs print the Disclaimer heading apart from its text; the text's opening is the same everywhere
        is_disclaimer = texts[0].lower().rstrip(":").startswith("disclaimer") or any(
            t.startswith("This document was prepared by the Congressional Research Service") for t in texts
        )
        title = "Disclaimer" if is_disclaimer else "Boilerplate"
        body = [t for t in texts if t.lower().rstrip(":").strip() != "disclaimer"]
        body = [t[len("disclaimer:"):].strip() if t.lower().startswith("disclaimer:") else t for t in body]
        order = len(sections) + 1
        sections.append(Section(section_id_for(order), order, title, 1, "\n\n".join(body), True, first.page))
    return [s for s in sections if s.text or s.heading]


def content_sections(sections: list[Section]) -> list[Section]:
    """What extractors read: no boilerplate, nothing empty."""
    return [s for s in sections if not s.boilerplate and s.text.strip()]


def footnotes_to_rows(footnotes: list[Footnote], sections: list[Section]) -> list[dict]:
    """Link each footnote to the first section whose text carried its marker."""
    owner: dict[str, str] = {}
    for section in sections:
        for ref in section.footnote_refs:
            owner.setdefault(ref, section.section_id)
    rows = []
    seen: set[str] = set()
    for footnote in footnotes:
        if footnote.number in seen:
            continue
        seen.add(footnote.number)
        rows.append(
            {
                "number": int(footnote.number) if footnote.number.isdigit() else None,
                "marker": footnote.number,
                "text": footnote.text,
                "section_id": owner.get(footnote.number),
                "page": footnote.page,
            }
        )
    return rows


def sections_to_rows(sections: list[Section]) -> list[dict]:
    return [
        {
            "section_id": s.section_id,
            "order": s.order,
            "heading": s.heading,
            "level": s.level,
            "text": s.text,
            "boilerplate": s.boilerplate,
            "page_start": s.page_start,
            "words": len(s.text.split()),
        }
        for s in sections
    ]
