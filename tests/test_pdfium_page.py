"""PDFium's pages (extractors.readers.pdfium_page) against pdfplumber's on real CRS PDFs.

pdfplumber is the reference: the words, rules and documents read from PDFium's characters must be
pdfplumber's, so that the layout rules (written and tuned on pdfplumber's words) keep their results.
"""
from __future__ import annotations

import ctypes
import difflib
import io
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
from pdfplumber.utils.exceptions import PdfminerException

from extractors.readers.pdf import pdf_to_document
from extractors.readers.pdf_layout import font_family, is_bold_font
from extractors.readers.pdf_settings import PDF_SETTINGS, PdfSettings
from extractors.readers.pdfium_page import PdfiumPdf, inflates_beyond, open_pdf, read_pdf
from extractors.readers.pdfium_chars import GET_UNICODE, address, textpage_to_codes
from extractors.readers.pdfium_words import chars_to_words, extract_words
from pdfplumber.utils import extract_words as pdfplumber_extract_words
from flows.pipeline.ingest import pdf_bytes_to_document
from tests.corpus_paths import FIXTURES, PDF_DIR
from tests.hostile_files import FLATE_BOMB

ROOT = Path(__file__).resolve().parents[1]
REGRESSIONS = FIXTURES / "regressions"
SAMPLES = ROOT / "raw" / "samples"
WORD_ATTRS = ["size", "fontname"]
# one of each layout: committee hearings (98-), In Focus (two columns), Insight, Legal Sidebar,
# full reports with ruled tables and footnotes, and the bundled samples
WORD_PDFS = [
    PDF_DIR / "98-317.22.pdf", PDF_DIR / "IF12155.pdf", PDF_DIR / "IN12614.3.pdf", PDF_DIR / "LSB11418.1.pdf",
    PDF_DIR / "R48917.2.pdf", REGRESSIONS / "R48725.6-year-header-and-wrapped-spanning-labels.pdf",
    REGRESSIONS / "R48694.10-pages8-13-ruled-header-levels.pdf", REGRESSIONS / "R48906.2-page9-subscripts.pdf",
    *sorted(SAMPLES.glob("*.pdf")),
]
DOCUMENT_PDFS = ["98-317.22.pdf", "IF11175.11.pdf", "IN12682.2.pdf", "LSB11418.1.pdf", "R48917.2.pdf", "RL34498.pdf"]


def position(word: dict) -> tuple:
    return round(word["top"]), word["x0"]


def page_words(page) -> list[dict]:
    # pdfplumber lists words in content-stream order, PDFium in its own; the layout sorts them
    return sorted(page.extract_words(extra_attrs=WORD_ATTRS), key=position)


def both(path: Path):
    return pdfplumber.open(path), PdfiumPdf(path.read_bytes())


@pytest.mark.parametrize("path", WORD_PDFS, ids=lambda p: p.name)
def test_words_are_pdfplumbers_words(path):
    reference, pdfium = both(path)
    assert len(reference.pages) == len(pdfium.pages)
    for expected_page, page in zip(reference.pages, pdfium.pages):
        assert (page.width, page.height) == pytest.approx((expected_page.width, expected_page.height))
        expected, words = page_words(expected_page), page_words(page)
        texts = difflib.SequenceMatcher(None, [w["text"] for w in expected], [w["text"] for w in words], autojunk=False)
        same = [(a, b) for tag, i1, i2, j1, j2 in texts.get_opcodes() if tag == "equal"
                for a, b in zip(expected[i1:i2], words[j1:j2])]
        where = f"{path.name} page {page.page_number}"
        assert len(same) >= 0.99 * len(expected) and len(words) <= 1.01 * len(expected) + 1, where
        far = [b["text"] for a, b in same if max(abs(a[k] - b[k]) for k in ("x0", "x1", "top", "bottom")) > 1.0]
        assert len(far) <= 0.01 * len(same) + 1, (where, far[:10])
        assert all(a["size"] == pytest.approx(b["size"], abs=0.01) for a, b in same), where
        # rows are banded by exact tops and bottoms (IF12495 page 1 once merged two lines over a
        # 0.01 pt difference): they must be pdfminer's, not merely close
        shifted = [b["text"] for a, b in same if max(abs(a["top"] - b["top"]), abs(a["bottom"] - b["bottom"])) > 0.001]
        assert shifted == [], (where, shifted[:10])
        # the reader decides bold and typeface from the font name: both sources must agree
        assert all(font_family(a["fontname"]) == font_family(b["fontname"])
                   and is_bold_font(a["fontname"]) == is_bold_font(b["fontname"]) for a, b in same), where


@pytest.mark.parametrize("path", WORD_PDFS[4:8], ids=lambda p: p.name)
def test_rules_and_rectangles_are_pdfplumbers(path):
    reference, pdfium = both(path)
    box = ("x0", "x1", "top", "bottom")
    for expected_page, page in zip(reference.pages, pdfium.pages):
        for kind in ("rects", "lines"):
            expected = sorted(tuple(round(o[k], 1) for k in box) for o in getattr(expected_page, kind))
            found = sorted(tuple(round(o[k], 1) for k in box) for o in getattr(page, kind))
            assert len(found) == len(expected), (path.name, page.page_number, kind)
            assert all(a == pytest.approx(b, abs=0.15) for a, b in zip(expected, found)), (path.name, page.page_number, kind)
    assert sum(len(p.rects) for p in pdfium.pages) > 0


def test_a_text_object_that_prints_only_a_space_still_splits_words():
    """R48725's Table 1 sets "SSA and OIG FTEs" with each space in a text object of its own,
    which PDFium's text page skips; without them the words run together ("SSAand OIGFTEs")."""
    pdf = PdfiumPdf((REGRESSIONS / "R48725.6-year-header-and-wrapped-spanning-labels.pdf").read_bytes())
    texts = " ".join(w["text"] for page in pdf.pages for w in page.extract_words())
    assert "SSA and OIG FTEs" in texts and "SSAand" not in texts


@pytest.mark.parametrize("path", WORD_PDFS[:8], ids=lambda p: p.name)
def test_word_grouping_is_pdfplumbers_on_the_same_chars(path):
    """pdfium_words.chars_to_words reimplements pdfplumber's WordExtractor for the reader's
    options: on every page's characters it must give pdfplumber's words exactly (keys, order,
    values), with the options the reader and the text-strategy table finder use, and on a crop."""
    options = [{"extra_attrs": WORD_ATTRS}, {}, {"x_tolerance": 3, "y_tolerance": 3},
               {"x_tolerance": 1.5, "y_tolerance": 0, "keep_blank_chars": True, "extra_attrs": ["fontname"]}]
    with PdfiumPdf(path.read_bytes()) as pdf:
        for page in pdf.pages:
            crop = page.crop((0, 60, page.width, page.height - 60)).chars
            for chars in (page.chars, crop):
                for kwargs in options:
                    expected = pdfplumber_extract_words(chars, **kwargs)
                    found = chars_to_words(chars, **kwargs)
                    assert repr(found) == repr(expected), (path.name, page.page_number, kwargs)


@pytest.mark.parametrize("path", WORD_PDFS[:8], ids=lambda p: p.name)
def test_the_page_text_gives_each_characters_code(path):
    """textpage_to_codes reads the codes in one FPDFText_GetText call: they must be what
    FPDFText_GetUnicode says of each character (hyphens and characters without a code too)."""
    document = pypdfium2.PdfDocument(path.read_bytes())
    for page in document:
        textpage = page.get_textpage()
        handle = ctypes.c_void_p(address(textpage.raw))
        count = pypdfium2.raw.FPDFText_CountChars(textpage.raw)
        assert textpage_to_codes(handle, count) == [GET_UNICODE(handle, i) for i in range(count)], path.name
        textpage.close()
        page.close()
    document.close()


def test_word_grouping_of_rotated_blank_and_empty_chars_is_pdfplumbers():
    def char(text, x0, top, upright=True, size=10.0):
        return {"text": text, "x0": x0, "x1": x0 + 5, "top": top, "bottom": top + 10, "doctop": top + 800,
                "upright": upright, "size": size, "fontname": "F"}
    chars = [char("a", 10, 100), char("b", 15, 101), char(" ", 20, 100), char("c", 21, 100), char("", 26, 100),
             char("d", 27, 100), char("ﬁ", 32, 99.5), char("e", 50, 100), char("f", 8, 100), char("g", 30, 140),
             char("h", 300, 10, upright=False), char("i", 301, 20, upright=False), char("j", 320, 25, upright=False),
             char("k", 300, 80, upright=False), char("l", 30, 140, size=12.0)]
    for kwargs in ({}, {"extra_attrs": ["size"]}, {"keep_blank_chars": True}, {"x_tolerance": 0, "y_tolerance": 0}):
        assert repr(chars_to_words(chars, **kwargs)) == repr(pdfplumber_extract_words(chars, **kwargs)), kwargs
    # an option it does not implement goes to pdfplumber itself
    assert extract_words(chars, split_at_punctuation=True) == pdfplumber_extract_words(chars, split_at_punctuation=True)


def test_the_text_strategy_finds_pdfplumbers_table():
    reference, pdfium = both(REGRESSIONS / "R48725.6-year-header-and-wrapped-spanning-labels.pdf")
    settings = {"vertical_strategy": "text", "horizontal_strategy": "text", "min_words_vertical": 3}
    for expected_page, page in zip(reference.pages, pdfium.pages):
        bbox = (0, 60, page.width, page.height - 60)
        expected = [t.extract() for t in expected_page.crop(bbox).find_tables(settings)]
        assert expected and [t.extract() for t in page.crop(bbox).find_tables(settings)] == expected


def document_summary(doc) -> tuple:
    return ([(b.kind, b.level, b.page, b.text, b.footnote_refs) for b in doc.blocks], [t.rows for t in doc.tables],
            [(f.number, f.text) for f in doc.footnotes], doc.hints, doc.pages)


@pytest.mark.parametrize("name", DOCUMENT_PDFS)
def test_the_document_is_the_same_from_either_source(name):
    data = (PDF_DIR / name).read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        expected = document_summary(pdf_to_document(pdf))
    with PdfiumPdf(data) as pdf:
        found = document_summary(pdf_to_document(pdf))
    assert found[0] == expected[0]        # sections: every block's kind, level, page, text, footnote refs
    assert found[1:] == expected[1:]      # tables, footnotes, identity hints, pages


def test_the_char_source_setting_chooses_the_reader():
    assert PDF_SETTINGS.char_source in ("pdfium", "pdfplumber")
    with pytest.raises(ValueError, match="char_source must be one of pdfium, pdfplumber"):
        PdfSettings.resolve({"char_source": "pdfminer"})
    data = (PDF_DIR / "IF10753.6.pdf").read_bytes()
    with open_pdf(data, "pdfium") as pdf:
        assert isinstance(pdf, PdfiumPdf)
    with open_pdf(data, "pdfplumber") as pdf:
        assert isinstance(pdf, pdfplumber.PDF)
    assert pdf_bytes_to_document(data, "IF10753.6.pdf", 400, "pdfium").blocks == \
        pdf_bytes_to_document(data, "IF10753.6.pdf", 400, "pdfplumber").blocks


def test_what_pdfium_would_read_wrongly_or_die_on_goes_to_pdfplumber():
    data = (PDF_DIR / "IF10753.6.pdf").read_bytes()
    assert not inflates_beyond(data, PDF_SETTINGS.pdfium_max_stream_mb << 20)
    # a flate bomb: PDFium would abort the worker when memory runs out; pdfminer raises MemoryError
    bomb = FLATE_BOMB.read_bytes()
    assert inflates_beyond(bomb, PDF_SETTINGS.pdfium_max_stream_mb << 20)
    assert isinstance(open_pdf(bomb, "pdfium"), pdfplumber.PDF)
    # a rotated page: pdfplumber turns its coordinates, the adapter does not
    document = pypdfium2.PdfDocument(data)
    document[0].set_rotation(90)
    rotated = io.BytesIO()
    document.save(rotated)
    kind, width = read_pdf(rotated.getvalue(), "pdfium", lambda pdf: (type(pdf), pdf.pages[0].width))
    assert kind is pdfplumber.PDF and width == pytest.approx(792)
    # a file PDFium cannot load fails with pdfminer's reason
    with pytest.raises(PdfminerException, match="No /Root object"):
        open_pdf(b"%PDF-1.7\nnot a pdf", "pdfium")
