"""Who a document is: report number, version, date, edition key.

Identity comes from the document itself (footer line, HTML ``(IF10199)`` line, markdown header);
an explicit ``--report-id`` fills a missing number; the file name is the last resort.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from extractors.patterns import MONTHS

# CRS product numbers: IF10199, R48694, RL34498, RS22331, IN12614, LSB11418, 98-317, 98-317A.
REPORT_NUMBER = r"(?:[A-Z]{1,3}\d{3,6}|\d{2}-\d{3,4}[A-Z]?)"
REPORT_ID_RE = re.compile(rf"^{REPORT_NUMBER}$")
FOOTER_IDENTITY_RE = re.compile(
    rf"(?P<report_id>{REPORT_NUMBER})\s*·\s*VERSION\s+(?P<version>\d+)\s*·\s*(?P<status>[A-Z]+)"
)
FILENAME_ID_RE = re.compile(
    r"^(?P<report_id>[A-Z]{1,3}\d{3,6}|\d{2}-?\d{3,4})(?:(?:\.|v)(?P<version>[1-9]\d{0,2}))?(?=[-_.]|$)", re.I
)
PRODUCT_TYPES = {
    "IF": "In Focus",
    "IN": "Insight",
    "LSB": "Legal Sidebar",
    "R": "Report",
    "RL": "Report",
    "RS": "Report",
    "RT": "Testimony",
    "TE": "Testimony",
}
US_DATE_RE = re.compile(rf"\b(?P<month>{MONTHS})\s+(?P<day>\d{{1,2}}),\s*(?P<year>\d{{4}})\b")


class IdentityError(ValueError):
    """The document does not say which report it is."""


@dataclass(frozen=True)
class Identity:
    report_id: str
    version: int | None
    date: date
    title: str
    product_type: str
    edition: str


def us_date_to_iso(text: str) -> str | None:
    """'November 5, 2024' or '04/16/2026' -> '2024-11-05'."""
    text = text.strip()
    for fmt in ("%B %d, %Y", "%b. %d, %Y", "%b %d, %Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def is_valid_report_id(report_id: str) -> bool:
    """Report ids become folder names: only the CRS shapes, never separators or dots."""
    return bool(REPORT_ID_RE.match(report_id or ""))


def normalize_report_id(report_id: str) -> str:
    report_id = report_id.strip().upper()
    # 98317 (web URLs drop the hyphen of old numbers) -> 98-317
    if re.fullmatch(r"\d{5,6}", report_id):
        report_id = f"{report_id[:2]}-{report_id[2:]}"
    return report_id


def filename_to_identity_hints(filename: str) -> dict[str, str]:
    """Last resort: 'IF10753.6.pdf', 'IF10199v49-2026-10-01.html', '98317-types-of...md'."""
    match = FILENAME_ID_RE.match(filename)
    if not match:
        return {}
    hints = {"report_id": normalize_report_id(match["report_id"])}
    if match["version"]:
        hints["version"] = match["version"]
    return hints if is_valid_report_id(hints["report_id"]) else {}


def product_type_of(report_id: str) -> str:
    prefix = re.match(r"[A-Z]*", report_id)[0]
    return PRODUCT_TYPES.get(prefix, "Report")


def edition_key(day: date, version: int | None) -> str:
    return f"{day.isoformat()}.v{version}" if version is not None else day.isoformat()


def hints_to_identity(
    hints: dict[str, str], *, report_id_override: str | None, filename: str, fallback_date: date | None = None
) -> Identity:
    """Resolve identity: the document's own hints, then --report-id, then the file name."""
    from_name = filename_to_identity_hints(filename)
    report_id = hints.get("report_id") or report_id_override or from_name.get("report_id")
    if not report_id:
        raise IdentityError("no report number found in the document; pass --report-id")
    report_id = normalize_report_id(report_id)
    if not is_valid_report_id(report_id):
        raise IdentityError(f"invalid report number {report_id!r}")
    version_text = hints.get("version")
    if version_text is None and from_name.get("report_id") == report_id:
        version_text = from_name.get("version")
    version = int(version_text) if version_text and version_text.isdigit() else None
    iso = hints.get("date")
    if not iso and fallback_date is None:
        raise IdentityError("no publication date found in the document")
    day = date.fromisoformat(iso) if iso else fallback_date
    product_type = hints.get("product_type") or product_type_of(report_id)
    if product_type == "Reports":
        product_type = "Report"
    return Identity(
        report_id=report_id,
        version=version,
        date=day,
        title=hints.get("title", "").strip(),
        product_type=product_type,
        edition=edition_key(day, version),
    )
