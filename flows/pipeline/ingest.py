"""Bytes -> ParsedDocument: detect the format from the bytes, then call the matching reader.

Every failure here is a BadInputError naming the file and the reason in one line.
`check_before_extraction` is the part that needs neither Prefect nor spaCy: the run calls it on
every input before starting either, so a bad file fails in milliseconds, not after ~20 s.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from extractors.model import ParsedDocument
from flows.errors import BadInputError

ENCRYPTED_PDF = "encrypted PDF: save an unencrypted copy and try again"
# The PDF trailer ends with %%EOF "within the last 1024 bytes" (ISO 32000-1, 7.5.5); every corpus
# PDF has it there, and a download cut short does not.
PDF_EOF_WINDOW = 1024
# HTML above this is left to the worker: parsing it in the run's own process would cost the
# memory the worker's limit is there to bound. CRS pages are under 1 MB.
MAX_CHECKED_HTML_BYTES = 4 * 1024 * 1024
# The metadata header of a markdown rendering sits in its first 30 lines (text_to_header_hints).
HEADER_LINES = 31

HTML_START_RE = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<div|<p[ >]|<h[1-6][ >]|<table)", re.I)
MARKDOWN_HEADER_RE = re.compile(r"^# .+\n(?:.*\n){0,12}?\*\*Report No\.:\*\*", re.M)


def sniff_format(data: bytes, name: str) -> str:
    """'pdf', 'html', 'markdown' or 'text', from the bytes; the extension only breaks ties."""
    if not data.strip():
        raise BadInputError(name, "empty file")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if name.lower().endswith(".pdf"):
        raise BadInputError(name, "not a PDF: the file has a .pdf name but no %PDF header")
    if b"\x00" in data[:65536]:
        raise BadInputError(name, "binary file, not a CRS document (PDF, HTML, text or markdown)")
    try:
        text_head = data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 65530:  # a multi-byte character cut at the window edge is fine
            raise BadInputError(name, "binary file, not a CRS document (not UTF-8 text)") from None
        text_head = data[: exc.start].decode("utf-8")
    if HTML_START_RE.match(data[:2048].lstrip(b"\xef\xbb\xbf")):
        return "html"
    if MARKDOWN_HEADER_RE.match(text_head.lstrip("\ufeff")):
        return "markdown"
    return "text"


def pdf_bytes_to_document(data: bytes, name: str, max_pages: int, char_source: str | None = None) -> ParsedDocument:
    """``char_source`` None: the reader's setting (PdfSettings.char_source)."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    from extractors.readers.pdf import pdf_to_document
    from extractors.readers.pdf_settings import PDF_SETTINGS
    from extractors.readers.pdfium_page import read_pdf

    def read(pdf) -> ParsedDocument:
        if not pdf.pages:
            raise BadInputError(name, "PDF has no pages")
        return pdf_to_document(pdf, max_pages=max_pages)

    if pdf_is_encrypted(data):
        raise BadInputError(name, ENCRYPTED_PDF)
    try:
        return read_pdf(data, char_source or PDF_SETTINGS.char_source, read)
    except (BadInputError, MemoryError):
        raise  # a MemoryError is the worker's limit, not a damaged file
    except (PDFEncryptionError, PDFPasswordIncorrect):
        raise BadInputError(name, ENCRYPTED_PDF) from None
    except ValueError as exc:
        raise BadInputError(name, str(exc)) from None
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, MemoryError):
            raise cause from None
        if isinstance(cause, (PDFEncryptionError, PDFPasswordIncorrect)):
            raise BadInputError(name, ENCRYPTED_PDF) from None
        raise BadInputError(name, f"corrupt or truncated PDF ({type(cause).__name__})") from None
    except Exception as exc:
        if not raised_by_pdf_parser(exc):
            raise  # our own bug: reported as an internal error with its place, never blamed on the file
        raise BadInputError(name, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})"[:200]) from None


def pdf_is_encrypted(data: bytes) -> bool:
    return bool(re.search(rb"/Encrypt\s", data[-4096:]) or re.search(rb"/Encrypt\s*\d+\s+\d+\s+R", data))


def check_pdf_envelope(data: bytes, name: str) -> None:
    """What a PDF shows without parsing it: not cut short, not encrypted."""
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise BadInputError(name, "corrupt or truncated PDF (no %%EOF marker at its end)")
    if pdf_is_encrypted(data):
        raise BadInputError(name, ENCRYPTED_PDF)


def text_identity_hints(kind: str, data: bytes, name: str) -> dict[str, str]:
    """The identity hints the reader of this format would find (HTML: the whole reader runs, so
    a page that is not a CRS product fails here with the reader's own reason)."""
    from extractors.readers.text import decode_text, text_to_header_hints

    if kind == "html":
        from extractors.readers.html import NotCrsProductError, html_to_document

        try:
            return html_to_document(decode_text(data)).hints
        except NotCrsProductError as exc:
            raise BadInputError(name, str(exc)) from None
    head = decode_text(data[: 64 * 1024]).split("\n", HEADER_LINES)[:HEADER_LINES]
    return text_to_header_hints(head)[0]


def check_report_number(hints: dict[str, str], report_id: str | None, name: str) -> None:
    """The report number the pipeline will use must exist: the document's, --report-id's or the
    file name's, resolved by the same function the pipeline calls (the date is checked later)."""
    from extractors.identity import hints_to_identity

    try:
        hints_to_identity(hints, report_id_override=report_id, filename=Path(name).name, fallback_date=date.min)
    except ValueError as exc:
        raise BadInputError(name, str(exc)) from None


def check_before_extraction(data: bytes, name: str, report_id: str | None) -> str:
    """Refuse what is surely not a usable CRS document, cheaply; returns the format.

    PDFs: header, end marker, encryption. HTML, markdown and text: the report number is findable."""
    kind = sniff_format(data, name)
    if kind == "pdf":
        check_pdf_envelope(data, name)
    elif kind != "html" or len(data) <= MAX_CHECKED_HTML_BYTES:
        check_report_number(text_identity_hints(kind, data, name), report_id, name)
    return kind


def raised_by_pdf_parser(exc: BaseException) -> bool:
    """pdfminer raises many exception types on damaged files; tell them from bugs of ours."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and any(part in last for part in ("/pdfminer/", "/pdfplumber/", "/PIL/"))


def bytes_to_document(data: bytes, name: str, max_pages: int) -> ParsedDocument:
    kind = sniff_format(data, name)
    if kind == "pdf":
        return pdf_bytes_to_document(data, name, max_pages)
    from extractors.readers.text import decode_text

    text = decode_text(data)
    if kind == "html":
        from extractors.readers.html import NotCrsProductError, html_to_document

        try:
            return html_to_document(text)
        except NotCrsProductError as exc:
            raise BadInputError(name, str(exc)) from None
    from extractors.readers.text import text_to_document

    doc = text_to_document(text)
    if not any(b.kind in ("paragraph", "heading") for b in doc.blocks):
        raise BadInputError(name, "no readable text in the document")
    return doc
