"""Benchmark: where a PDF page's characters come from, in pages per second.

    python -m benchmarks.pdf_chars_benchmark                               # bundled samples
    python -m benchmarks.pdf_chars_benchmark --corpus /work/shared/corpus/pdf --runs 3

Rows, each over the same PDFs in this one process (the machine is shared and noisy: the ratios to
the floor, measured in the same run, are what count; medians of --runs runs):
- floor: bare pdfplumber ``extract_words`` (what the reader paid per page before pdfium_page);
- limit: pypdfium2 plain text (``get_text_range``), no boxes or fonts: no char source is faster;
- adapter: ``PdfiumPage.extract_words`` (characters, boxes and fonts from PDFium, words grouped
  by ``pdfium_words`` exactly as pdfplumber's WordExtractor groups them);
- document: ``pdf_to_document`` end to end with each char source (layout and tables included).
Run it as a module from the repository root, so the checkout's own modules are imported.
"""
from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import pdfplumber
import pypdfium2

from extractors.readers.pdf import pdf_to_document
from extractors.readers.pdfium_page import PdfiumPdf, read_pdf

ROOT = Path(__file__).resolve().parents[1]
WORD_ATTRS = ["size", "fontname"]


def pdfplumber_words(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_words(extra_attrs=WORD_ATTRS)
            page.close()
        return len(pdf.pages)


def pdfium_text(data: bytes) -> int:
    document = pypdfium2.PdfDocument(data)
    try:
        for page in document:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        return len(document)
    finally:
        document.close()


def adapter_words(data: bytes) -> int:
    with PdfiumPdf(data) as pdf:
        for page in pdf.pages:
            page.extract_words(extra_attrs=WORD_ATTRS)
            page.close()
        return len(pdf.pages)


def document_with(char_source: str):
    def read(data: bytes) -> int:
        return read_pdf(data, char_source, pdf_to_document).pages
    return read


ROWS = {
    "pdfplumber extract_words (floor)": pdfplumber_words,
    "pypdfium2 get_text_range (limit)": pdfium_text,
    "pdfium_page extract_words": adapter_words,
    "pdf_to_document, pdfplumber chars": document_with("pdfplumber"),
    "pdf_to_document, pdfium chars": document_with("pdfium"),
}


def time_row(read, documents: list[bytes]) -> tuple[float, int]:
    """Seconds and pages for one pass over the documents."""
    start = time.perf_counter()
    pages = sum(read(data) for data in documents)
    return time.perf_counter() - start, pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "raw" / "samples", help="folder of PDFs")
    parser.add_argument("--runs", type=int, default=1, help="passes per row (the median is quoted)")
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.corpus.glob("*.pdf") if p.is_file())
    if not paths:
        parser.error(f"{args.corpus}: no PDFs")
    documents = [p.read_bytes() for p in paths]
    results: dict[str, float] = {}
    pages = 0
    for label, read in ROWS.items():
        timings = []
        for _ in range(args.runs):
            seconds, pages = time_row(read, documents)
            timings.append(seconds)
        results[label] = pages / statistics.median(timings)
    floor = results["pdfplumber extract_words (floor)"]
    print(f"{len(paths)} PDFs, {pages} pages, median of {args.runs} run(s)")
    print("| row | pages/s | x floor |")
    print("| --- | --- | --- |")
    for label, rate in results.items():
        print(f"| {label} | {rate:.1f} | {rate / floor:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
