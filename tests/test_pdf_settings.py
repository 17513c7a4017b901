"""The PDF reader's thresholds live in one settings object that refuses nonsense."""
from dataclasses import fields

import pytest

from extractors.readers.pdf_settings import ABOVE_ONE, BELOW_ONE, PDF_SETTINGS, PdfSettings


def test_resolve_takes_defaults_overrides_or_an_instance():
    assert PdfSettings.resolve() is PDF_SETTINGS
    tighter = PdfSettings.resolve({"line_gap": 6.0})
    assert tighter.line_gap == 6.0 and tighter.margin == PDF_SETTINGS.margin
    assert PdfSettings.resolve(tighter) is tighter


def test_resolve_overrides_a_stage_threshold_and_keeps_the_rest():
    wider = PdfSettings.resolve({"paragraph_indent": 18.0, "page_header_band": 60.0})
    assert (wider.paragraph_indent, wider.page_header_band) == (18.0, 60.0)
    assert wider.page_footer_band == PDF_SETTINGS.page_footer_band == 50.0
    assert PDF_SETTINGS.paragraph_indent == 12.0   # the defaults are not changed by an override


@pytest.mark.parametrize("overrides, reason", [
    ({"line_gap": 0}, "line_gap must be a positive number"),
    ({"margin": "60"}, "margin must be a positive number"),
    ({"table_row_gap": True}, "table_row_gap must be a positive number"),
    ({"superscript_ratio": 1.2}, "superscript_ratio must be below 1"),
    ({"bold_share": 1.0}, "bold_share must be below 1"),
    ({"page_footer_ratio": 1.5}, "page_footer_ratio must be below 1"),
    ({"paragraph_line_spacing": 1.0}, "paragraph_line_spacing must be above 1"),
    ({"drop_cap_ratio": 0.9}, "drop_cap_ratio must be above 1"),
    ({"max_prose_words": 50}, "max_prose_words must be smaller than paragraph_words"),
    ({"footnote_rule_min_width": 250.0}, "footnote_rule_min_width must not exceed footnote_rule_max_width"),
    ({"linegap": 6.0}, "unknown setting(s) linegap"),
])
def test_bad_settings_are_refused(overrides, reason):
    with pytest.raises(ValueError) as caught:
        PdfSettings.resolve(overrides)
    assert reason in str(caught.value)


@pytest.mark.parametrize("name", [f.name for f in fields(PdfSettings) if f.name != "char_source"])
def test_every_threshold_must_be_positive(name):
    with pytest.raises(ValueError, match=f"PdfSettings.{name} must be a positive number"):
        PdfSettings.resolve({name: -1.0})


def test_ratio_checks_name_real_fields_and_the_defaults_pass_them():
    names = {f.name for f in fields(PdfSettings)}
    assert set(BELOW_ONE) <= names and set(ABOVE_ONE) <= names
    assert all(getattr(PDF_SETTINGS, n) < 1 for n in BELOW_ONE)
    assert all(getattr(PDF_SETTINGS, n) > 1 for n in ABOVE_ONE)
