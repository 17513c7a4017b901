"""What text extractors see: one content section, its sentences, and a provenance helper."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SectionText:
    section_id: str
    heading: str
    text: str
    # (start, end) character spans of the sentences of ``text``, in order, covering it
    sentences: tuple[tuple[int, int], ...]

    def sentence_span(self, start: int) -> tuple[int, int]:
        for s, e in self.sentences:
            if s <= start < e:
                return s, e
        return 0, len(self.text)

    def provenance(self, start: int, end: int, method: str) -> dict:
        """The provenance columns every extracted row carries."""
        s, e = self.sentence_span(start)
        return {
            "section_id": self.section_id,
            "sentence": self.text[s:e].strip(),
            "char_start": start,
            "char_end": end,
            "method": method,
        }


@dataclass(frozen=True)
class ExtractionContext:
    """Document-level facts extractors may need."""

    report_date: date | None
    report_id: str = ""
