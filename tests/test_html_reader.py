"""CRS HTML pages: identity from the '(IF10199)' line, sections from h2, run-in headings, image figures."""
import pytest

from extractors.readers.html import NotCrsProductError, html_to_document
from extractors.identity import hints_to_identity
from extractors.sections import blocks_to_sections
from tests.corpus_paths import HTML_PATH


@pytest.fixture(scope="module")
def html_doc():
    return html_to_document(HTML_PATH.read_text(encoding="utf-8"))


def test_identity_from_the_page(html_doc):
    identity = hints_to_identity(html_doc.hints, report_id_override=None, filename=HTML_PATH.name)
    assert (identity.report_id, identity.date.isoformat(), identity.title) == ("IF10199", "2026-10-01", "U.S.-Japan Relations")
    # the page does not print its version; the file name (IF10199v49-...) is the last resort
    assert identity.version == 49


def test_sections_follow_h2_and_run_in_headings(html_doc):
    headings = [s.heading for s in blocks_to_sections(html_doc.blocks)]
    assert headings[:2] == ["Overview", "Japan's Political Situation"]
    assert "Japan Strengthens Its Defense Posture" in headings
    assert "South Korea" in headings
    assert headings.index("Regional Relations") < headings.index("South Korea") < headings.index("Economic and Trade Issues")


def test_image_figure_is_kept_as_a_reference_without_cells(html_doc):
    assert html_doc.tables == []
    assert [f.caption for f in html_doc.figures] == ["Figure 1. Top U.S. Trade Partners, 2025"]
    assert "Bureau of Economic Analysis" in (html_doc.figures[0].source_note or "")


def test_a_page_that_is_not_a_crs_product_is_refused():
    with pytest.raises(NotCrsProductError, match="not a CRS product"):
        html_to_document("<html><body><h1>Recipes</h1><p>Bake at 350 degrees.</p></body></html>")
