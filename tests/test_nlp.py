"""The NLP stage: model choice, one cached pipeline, exact offsets through chunking, CRS sentence spans."""
from __future__ import annotations

import re

import pytest

from extractors.facts.nlp import (
    DEFAULT_MODEL, MODEL_ENV_VAR, UNUSED_COMPONENTS, doc_to_sentence_spans, load_pipeline,
    model_name_to_use, text_to_chunks, texts_to_docs,
)
from tests.corpus_paths import MARKDOWN_DIR
from tests.seed_sections import markdown_to_sections, seed_sections


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def corpus_text(name: str) -> str:
    return "\n\n".join(s.text for s in markdown_to_sections((MARKDOWN_DIR / name).read_text(encoding="utf-8")))


def test_model_name_precedence_argument_over_env_over_default(monkeypatch):
    monkeypatch.delenv(MODEL_ENV_VAR, raising=False)
    assert model_name_to_use() == DEFAULT_MODEL
    monkeypatch.setenv(MODEL_ENV_VAR, "some_env_model")
    assert model_name_to_use() == "some_env_model"
    assert model_name_to_use("explicit_model") == "explicit_model"


def test_missing_model_raises_a_clear_error_without_downloading():
    with pytest.raises(RuntimeError, match=r"spaCy model 'en_core_web_zz_missing' is not installed: pip install"):
        load_pipeline("en_core_web_zz_missing")


def test_pipeline_is_loaded_once_and_keeps_only_what_entities_and_sentences_need(nlp):
    assert load_pipeline() is nlp
    assert not set(UNUSED_COMPONENTS) & set(nlp.pipe_names)
    assert nlp.pipe_names.index("crs_gazetteer") < nlp.pipe_names.index("ner")
    assert "senter" in nlp.pipe_names


def test_docs_keep_the_exact_text_of_every_seed_section(nlp):
    sections = seed_sections()
    docs = texts_to_docs(nlp, [s.text for s in sections])
    assert [d.text for d in docs] == [s.text for s in sections]


def test_long_report_is_chunked_at_paragraphs_with_exact_offsets(nlp):
    text = corpus_text("R48694v10-federal-research-and-development-r-d-funding-fy2.md")
    chunks = text_to_chunks(text, max_chars=5_000)
    assert len(chunks) > 10 and "".join(chunks) == text
    assert all(len(c) <= 5_000 for c in chunks if "\n\n" in c.rstrip("\n"))
    (doc,) = texts_to_docs(nlp, [text], max_chars=5_000)
    assert doc.text == text
    ents = [e for e in doc.ents if e.label_ == "ORG"]
    assert len(ents) > 50
    assert all(text[e.start_char:e.end_char] == e.text for e in ents)
    # the last chunk's entities sit at the end of the text, not at chunk-local offsets
    assert max(e.end_char for e in ents) > len(text) - 5_000


def test_sentence_spans_cover_the_text_contiguously(nlp):
    for section in seed_sections():
        (doc,) = texts_to_docs(nlp, [section.text])
        spans = doc_to_sentence_spans(doc)
        assert spans[0][0] == 0 and spans[-1][1] == len(section.text)
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(spans, spans[1:]))


def sentences_of(nlp, text: str) -> list[str]:
    (doc,) = texts_to_docs(nlp, [text])
    return [text[s:e].strip() for s, e in doc_to_sentence_spans(doc)]


@pytest.mark.parametrize("fragment", [
    "U.S. Forces Japan (USFJ) as a new joint force headquarters",
    "(e.g., processed critical minerals)",
    "(P.L. 118-31, §1317), Congress required",
])
def test_no_sentence_split_inside_seed_abbreviations(nlp, fragment):
    text = "\n\n".join(s.text for s in seed_sections())
    assert fragment in text
    assert any(fragment in sentence for sentence in sentences_of(nlp, text))


@pytest.mark.parametrize("name, pattern", [
    ("IF12155v8-farm-bill-primer-trade-and-export-promotion-prog.md", r"\(e\.g\., H\.R\. 1086"),
    ("IN12614v3-section-232-national-security-tariffs-on-copper-.md", r"\(e\.g\., H\.R\. 735"),
])
def test_no_sentence_split_after_e_g_and_bill_prefixes_in_corpus(nlp, name, pattern):
    text = corpus_text(name)
    match = re.search(pattern, text)
    assert match, pattern
    assert any(re.search(pattern, s) for s in sentences_of(nlp, text))


def test_initials_do_not_end_sentences(nlp):
    # real author line shape of IF11175 ("M. Angeles Villarreal, Specialist in International Trade and Finance")
    text = "The report was written by M. Angeles Villarreal. She is a Specialist in International Trade and Finance."
    assert sentences_of(nlp, text) == [
        "The report was written by M. Angeles Villarreal.",
        "She is a Specialist in International Trade and Finance.",
    ]


def test_sentences_never_cross_a_blank_line(nlp):
    text = "\n\n".join(s.text for s in seed_sections()[:3])
    assert all("\n\n" not in s for s in sentences_of(nlp, text))


def test_one_line_text_longer_than_spacys_limit_is_cut_at_sentence_ends_with_exact_offsets(nlp, monkeypatch):
    # A markdown file whose whole body is one 10 MB line used to be an internal error (spaCy's
    # max_length). The same failure at a size a test affords: R48694's text on one line, with the
    # limit lowered below its length.
    text = " ".join(corpus_text("R48694v10-federal-research-and-development-r-d-funding-fy2.md").split())
    monkeypatch.setattr(nlp, "max_length", 40_000)
    assert "\n" not in text and len(text) > 2 * nlp.max_length
    chunks = text_to_chunks(text)
    assert "".join(chunks) == text and all(len(c) <= 20_000 for c in chunks)
    assert sum(c.rstrip().endswith((".", "?", "!", ".)", '."', ".”")) for c in chunks) >= len(chunks) - 1
    (doc,) = texts_to_docs(nlp, [text])
    assert doc.text == text
    ents = [e for e in doc.ents if e.label_ == "ORG"]
    assert len(ents) > 50 and all(text[e.start_char:e.end_char] == e.text for e in ents)
    assert max(e.end_char for e in ents) > len(text) - 20_000
    spans = doc_to_sentence_spans(doc)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert any("U.S. Office of Personnel" in text[s:e] for s, e in spans)  # no split after "U.S."


def test_a_paragraph_without_sentence_ends_is_cut_at_white_space():
    words = " ".join(corpus_text("R48694v10-federal-research-and-development-r-d-funding-fy2.md").replace(".", "").split())
    chunks = text_to_chunks(words, max_chars=5_000)
    assert "".join(chunks) == words and len(chunks) > 10
    assert all(len(c) <= 5_000 and c.endswith(" ") for c in chunks[:-1])
