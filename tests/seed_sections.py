"""Test helper: section texts built the way the pipeline builds them.

The seed and the corpus markdown renderings go through the production path: the text/markdown
reader (`text_to_document`), `blocks_to_sections`, and one spaCy pass for sentence spans
(`flows.pipeline.extract.sections_to_texts`). Nothing here parses markdown or splits sentences
itself, so a fact test sees exactly what a published edition would.
"""
from __future__ import annotations

from datetime import date

from extractors.readers.text import text_to_document
from extractors.section_text import ExtractionContext, SectionText
from extractors.sections import blocks_to_sections
from flows.pipeline.extract import hints_to_cover_date_text, sections_to_texts
from tests.corpus_paths import SEED_PATH

SEED_CONTEXT = ExtractionContext(report_date=date(2024, 11, 5), report_id="IF10199")


def markdown_to_sections(markdown: str) -> list[SectionText]:
    """Text or markdown -> the content SectionTexts the pipeline would extract facts from."""
    parsed = text_to_document(markdown)
    texts, _docs, _model = sections_to_texts(blocks_to_sections(parsed.blocks), None)
    return texts


def seed_sections() -> list[SectionText]:
    return markdown_to_sections(SEED_PATH.read_text(encoding="utf-8"))


def seed_cover_date_text() -> str | None:
    """The date line the seed prints above its body (the pipeline's `cover` dates come from it)."""
    return hints_to_cover_date_text(text_to_document(SEED_PATH.read_text(encoding="utf-8")).hints)


def lines_to_section(section_id: str, heading: str, lines: list[str]) -> SectionText:
    """One section of the given paragraphs, with spaCy's sentence spans (for short rule tests)."""
    from extractors.facts.nlp import doc_to_sentence_spans, load_pipeline, texts_to_docs

    text = "\n".join(line.strip() for line in lines).strip()
    doc = texts_to_docs(load_pipeline(), [text])[0]
    return SectionText(section_id, heading, text, doc_to_sentence_spans(doc))
