"""Bytes -> ParsedDocument: detect the format from the bytes, then call the matching reader.

Every failure here is a BadInputError naming the file and the reason in one line.
"""
from __future__ import annotations

import io
import re

from extractors.document import ParsedDocument
from flows.errors import BadInputError

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


def pdf_bytes_to_document(data: bytes, name: str, max_pages: int) -> ParsedDocument:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    from extractors.pdf_to_document import pdf_to_document

    if re.search(rb"/Encrypt\s", data[-4096:]) or re.search(rb"/Encrypt\s*\d+\s+\d+\s+R", data):
        raise BadInputError(name, "encrypted PDF: save an unencrypted copy and try again")
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if not pdf.pages:
                raise BadInputError(name, "PDF has no pages")
            return pdf_to_document(pdf, max_pages=max_pages)
    except BadInputError:
        raise
    except (PDFEncryptionError, PDFPasswordIncorrect):
        raise BadInputError(name, "encrypted PDF: save an unencrypted copy and try again") from None
    except ValueError as exc:
        raise BadInputError(name, str(exc)) from None
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFEncryptionError, PDFPasswordIncorrect)):
            raise BadInputError(name, "encrypted PDF: save an unencrypted copy and try again") from None
        raise BadInputError(name, f"corrupt or truncated PDF ({type(cause).__name__})") from None
    except Exception as exc:
        if not raised_by_pdf_parser(exc):
            raise  # our own bug: reported as an internal error with its place, never blamed on the file
        raise BadInputError(name, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})"[:200]) from None


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
    from extractors.text_to_document import decode_text

    text = decode_text(data)
    if kind == "html":
        from extractors.html_to_document import NotCrsProductError, html_to_document

        try:
            return html_to_document(text)
        except NotCrsProductError as exc:
            raise BadInputError(name, str(exc)) from None
    from extractors.text_to_document import text_to_document

    doc = text_to_document(text)
    if not any(b.kind in ("paragraph", "heading") for b in doc.blocks):
        raise BadInputError(name, "no readable text in the document")
    return doc
