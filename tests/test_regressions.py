"""Each bug found on real CRS pages, with the page beside the test (cut from corpus PDFs)."""
from pathlib import Path

import pdfplumber

from extractors.identity import filename_to_identity_hints
from extractors.readers.pdf import pdf_to_document
from flows.store import raw_store
from flows.pipeline.workers import Job, extract_job

REGRESSIONS = Path(__file__).parent / "fixtures" / "regressions"


def run_job(path: Path):
    return extract_job(Job(raw_store.file_sha256(path), str(path), path.name, None, None, 400, 120))


def test_photo_page_with_only_narrow_lines_is_read_not_called_corrupt():
    # IN12682.2 page 2 is a photograph with a two-line caption: no line is as wide as body text,
    # which once made body_style index an empty list and the file be reported "corrupt".
    path = REGRESSIONS / "IN12682.2-page2-photo-only.pdf"
    with pdfplumber.open(path) as pdf:
        doc = pdf_to_document(pdf)
    assert doc.pages == 1
    result = run_job(path)
    assert "corrupt" not in result.outcome.reason and "internal error" not in result.outcome.reason


def test_underscore_number_in_a_file_name_is_not_a_version():
    # "IF12155_0.pdf" once gave version 0 and failed validation; only ".N" and "vN" are versions.
    assert filename_to_identity_hints("IF12155_0.pdf") == {"report_id": "IF12155"}
    assert filename_to_identity_hints("IF12155.0.pdf") == {"report_id": "IF12155"}
    result = run_job(REGRESSIONS / "IF12155-page1-only.pdf")
    assert result.outcome.status == "extracted", result.outcome.reason
    documents = result.extracted.datasets["documents"]
    assert documents.loc[0, "report_id"] == "IF12155"
    # page 1 alone has no footer identity line: the number comes from the file name, no version is made up
    assert documents.loc[0, "identity_source"] == "file name"
    assert documents["version"].isna().all()
    assert documents.loc[0, "edition"] == "2026-04-21"
