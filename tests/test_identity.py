"""Identity: report number, version, date and edition key come from the document itself."""
import re
from datetime import date

import pytest

from extractors.identity import (
    IdentityError,
    edition_key,
    filename_to_identity_hints,
    hints_to_identity,
    is_valid_report_id,
)
from extractors.readers.text import decode_text, text_to_document
from tests.corpus_paths import MARKDOWN_DIR, SEED_PATH


def markdown_header(path):
    text = path.read_text(encoding="utf-8")
    # the overview table of the page fills what the header lacks (IF13199 has no header date)
    fields = dict(re.findall(r"^\| \*\*(?:CRS )?([^*:]+):\*\* \| (.*?)\s*$", text, re.M))
    fields.update(re.findall(r"^\*\*([^*:]+):\*\*\s*(.*)$", text, re.M))
    return fields


@pytest.mark.parametrize("path", sorted(MARKDOWN_DIR.glob("*.md")), ids=lambda p: p.name[:14])
def test_markdown_identity_matches_its_header(path):
    header = markdown_header(path)
    doc = text_to_document(decode_text(path.read_bytes()))
    identity = hints_to_identity(doc.hints, report_id_override=None, filename=path.name)
    assert identity.report_id == header["Report No."].replace("98317", "98-317")
    month, day, year = header["Publication Date"].split("/")
    assert identity.date == date(int(year), int(month), int(day))
    assert identity.title == path.read_text(encoding="utf-8").splitlines()[0][2:].strip()
    if "Version" in header:
        assert identity.version == int(header["Version"])
        assert identity.edition == f"{identity.date.isoformat()}.v{identity.version}"


def test_seed_needs_the_report_id_option_and_gets_the_gold_edition(gold):
    doc = text_to_document(decode_text(SEED_PATH.read_bytes()))
    with pytest.raises(IdentityError, match="no report number found"):
        hints_to_identity(doc.hints, report_id_override=None, filename=SEED_PATH.name)
    identity = hints_to_identity(doc.hints, report_id_override="IF10199", filename=SEED_PATH.name)
    assert identity.report_id == gold["document"]["report_id"]
    assert identity.edition == gold["document"]["edition"]
    assert identity.title == gold["document"]["title"]
    assert identity.product_type == "In Focus"


def test_document_number_wins_over_option_and_file_name():
    hints = {"report_id": "IF11175", "version": "11", "date": "2026-04-16", "title": "T"}
    identity = hints_to_identity(hints, report_id_override="IF10199", filename="IF12155.8.pdf")
    assert (identity.report_id, identity.version, identity.edition) == ("IF11175", 11, "2026-04-16.v11")


def test_file_name_is_the_last_resort():
    assert filename_to_identity_hints("IF10199v49-2026-10-01.html") == {"report_id": "IF10199", "version": "49"}
    assert filename_to_identity_hints("IF10753.6.pdf") == {"report_id": "IF10753", "version": "6"}
    assert filename_to_identity_hints("98317-types-of-committee-hearings.md") == {"report_id": "98-317"}
    assert filename_to_identity_hints("IF10199_2024-11-05_seed.txt") == {"report_id": "IF10199"}
    assert filename_to_identity_hints("000_39220ff0260b3963.txt") == {}


@pytest.mark.parametrize("bad", ["../etc", "IF10199/..", "IF 10199", "", "..", "R48694.pdf", "A" * 40])
def test_report_ids_that_could_escape_a_folder_are_invalid(bad):
    assert not is_valid_report_id(bad)


def test_edition_key_shape():
    assert edition_key(date(2026, 4, 16), 11) == "2026-04-16.v11"
    assert edition_key(date(2024, 11, 5), None) == "2024-11-05"
