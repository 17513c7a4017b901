"""The PDF reader's thresholds live in one settings object that refuses nonsense."""
import pytest

from extractors.readers.pdf_settings import PDF_SETTINGS, PdfSettings


def test_resolve_takes_defaults_overrides_or_an_instance():
    assert PdfSettings.resolve() is PDF_SETTINGS
    tighter = PdfSettings.resolve({"line_gap": 6.0})
    assert tighter.line_gap == 6.0 and tighter.margin == PDF_SETTINGS.margin
    assert PdfSettings.resolve(tighter) is tighter


@pytest.mark.parametrize("overrides, reason", [
    ({"line_gap": 0}, "line_gap must be a positive number"),
    ({"margin": "60"}, "margin must be a positive number"),
    ({"superscript_ratio": 1.2}, "superscript_ratio must be below 1"),
    ({"max_prose_words": 50}, "max_prose_words must be smaller than paragraph_words"),
    ({"linegap": 6.0}, "unknown setting(s) linegap"),
])
def test_bad_settings_are_refused(overrides, reason):
    with pytest.raises(ValueError) as caught:
        PdfSettings.resolve(overrides)
    assert reason in str(caught.value)
