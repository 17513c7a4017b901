"""Work per document is bounded: size, pages and time, each a one-line reason, never a crash."""
import pytest

from flows.store import raw_store
from flows.errors import BadInputError
from flows.pipeline.workers import Job, extract_job
from tests.corpus_paths import PDF_DIR

LONG_REPORT = PDF_DIR / "R48694.10.pdf"


def job(path, *, max_pages=400, timeout_seconds=600):
    return Job(raw_store.file_sha256(path), str(path), path.name, None, None, max_pages, timeout_seconds)


def test_a_document_over_the_time_limit_fails_with_its_reason():
    result = extract_job(job(LONG_REPORT, timeout_seconds=1))
    assert (result.outcome.status, result.outcome.reason) == ("failed", "took longer than 1 s; raise --timeout")


def test_a_pdf_over_the_page_limit_is_refused():
    result = extract_job(job(LONG_REPORT, max_pages=5))
    assert (result.outcome.status, result.outcome.reason) == ("failed", "too many pages (57 > 5)")


def test_a_file_over_the_size_limit_is_refused_before_reading():
    with pytest.raises(BadInputError) as caught:
        raw_store.read_input(LONG_REPORT, max_bytes=1000)
    assert str(caught.value) == f"{LONG_REPORT}: file too large ({LONG_REPORT.stat().st_size} bytes > limit 1000); raise --max-bytes"
