"""The one copy of the small text patterns that several readers and extractors share.

Each reader composes its own anchored regex from these pieces (a PDF line, an HTML cell and a
markdown line wrap a caption differently), so what a caption or a source label *is* is defined once.
The report-number pattern lives with identity (`extractors.identity.REPORT_NUMBER`).
"""
from __future__ import annotations

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# "Figure 3.", "Table A-1.", "Table 12." - the numbered label a CRS caption starts with
CAPTION_LABEL = r"(?:Figure|Table)\s+[A-Z]?-?\d+\."
# "Source:", "Sources:", "Note:", "Notes:" - the label of the lines printed under a table or figure
SOURCE_LABEL = r"(?:Sources?|Notes?)"
