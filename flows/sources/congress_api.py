"""The `congress_api` source: CRS products updated in a time window, from the congress.gov API v3.

List: ``GET {base}/v3/crsreport?fromDateTime=..&toDateTime=..&offset=..&limit=..&format=json``
(``CRSReports`` items with ``id``, ``version``, ``updateDate``); item: ``GET {base}/v3/crsreport/{id}``
(``CRSReport`` with ``currentVersion`` or ``version``, and ``formats`` holding the PDF URL).

The key comes from an environment variable and travels only in the ``X-Api-Key`` header to the API
host, never in a URL, never to the PDF host, never into a message. The list's version and the
item's version can disagree with each other and with the PDF: the PDF footer is what gets recorded.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

from extractors.identity import is_valid_report_id
from flows import raw_store
from flows.raw_store import OBJECTS
from flows.sources import Failure, Found
from flows.sources.download import DownloadError, Net, fetch_and_store, register_secret

SOURCE = "congress_api"
# A dot name: raw_store.inbox_files treats any other file under raw/ as a document to ingest.
STATE = ".congress_api_state.json"
API_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
WINDOW_OVERLAP = timedelta(hours=1)   # updates stamped just before the last pass ended are not lost
MAX_PAGES = 200                        # 50,000 items: a window that large is a configuration mistake


def load_state(raw_dir: Path) -> dict:
    path = raw_dir / STATE
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        return {}


def save_state(raw_dir: Path, state: dict) -> None:
    raw_store.write_atomically(raw_dir / STATE, json.dumps(state, indent=2, sort_keys=True).encode())


def stored_source_urls(raw_dir: Path) -> set[str]:
    urls = set()
    for meta_path in (raw_dir / OBJECTS).glob("*/*.json"):
        try:
            urls.add(json.loads(meta_path.read_text()).get("source", ""))
        except ValueError:
            continue
    return urls


def list_window(net: Net, base_url: str, headers: dict, since: datetime, until: datetime, page_size: int) -> list[dict]:
    """Every CRSReports item updated in [since, until], following offset paging."""
    items: list[dict] = []
    url = f"{base_url.rstrip('/')}/v3/crsreport"
    for page in range(MAX_PAGES):
        params = {
            "fromDateTime": since.strftime(API_TIME_FORMAT), "toDateTime": until.strftime(API_TIME_FORMAT),
            "offset": page * page_size, "limit": page_size, "format": "json",
        }
        answer = net.json(url, params=params, headers=headers)
        batch = answer.get("CRSReports") or []
        items.extend(batch)
        total = (answer.get("pagination") or {}).get("count")
        if len(batch) < page_size or (isinstance(total, int) and len(items) >= total):
            break
    return items


def item_to_pdf_url(item: dict) -> str | None:
    for fmt in item.get("formats") or []:
        url = fmt.get("url") or fmt.get("URL")
        if (fmt.get("format") or "").upper() == "PDF" and url:
            return url if urlsplit(url).scheme else "https://" + url.lstrip("/")
    return None


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def fetch_report(net: Net, raw_dir: Path, base_url: str, headers: dict, report_id: str, list_version: int | None,
                 known_urls: set[str], found: Found) -> None:
    item_url = f"{base_url.rstrip('/')}/v3/crsreport/{quote(report_id)}"
    item = net.json(item_url, params={"format": "json"}, headers=headers).get("CRSReport") or {}
    pdf_url = item_to_pdf_url(item)
    if pdf_url is None:
        raise DownloadError(report_id, "the API lists no PDF format for this report", transient=False)
    if pdf_url in known_urls:
        return
    current_version = int_or_none(item.get("currentVersion", item.get("version")))
    name = Path(urlsplit(pdf_url).path).name
    if not name.lower().endswith(".pdf"):
        name = f"{report_id}.pdf"
    fetched = fetch_and_store(
        net.fetch, raw_dir, pdf_url, name, SOURCE, report_id, current_version,
        {"api_list_version": list_version, "api_current_version": current_version,
         "api_update_date": item.get("updateDate")},
    )
    if fetched is None:
        raise DownloadError(pdf_url, "the API's PDF link answers 404", transient=False)
    known_urls.add(pdf_url)
    found.fetched.append(fetched)


def find_new_reports(net: Net, raw_dir: Path, base_url: str, api_key: str | None, *, now: datetime | None = None,
                     lookback_days: float = 3, report_ids: list[str] | None = None, page_size: int = 250,
                     retry: list[dict] | None = None) -> Found:
    """Download the PDF of every report updated since the last pass (and of those that failed then)."""
    found = Found(checked=["congress.gov API"])
    if not api_key:
        found.failures.append(Failure("congress_api", "no API key: set the CONGRESS_API_KEY environment variable", SOURCE))
        return found
    register_secret(api_key)
    headers = {"X-Api-Key": api_key}
    now = now or datetime.now(timezone.utc)
    state = load_state(raw_dir)
    since = datetime.strptime(state["last_until"], API_TIME_FORMAT).replace(tzinfo=timezone.utc) - WINDOW_OVERLAP \
        if state.get("last_until") else now - timedelta(days=lookback_days)
    seen: dict[str, str] = state.get("seen", {})
    try:
        listed = list_window(net, base_url, headers, since, now, page_size)
    except DownloadError as exc:
        found.failures.append(Failure(exc.subject, f"listing failed: {exc.reason}", SOURCE))
        listed = []
        now = None  # the window stays where it was, so the next pass lists it again
    wanted = {r.upper() for r in report_ids or []}
    todo: dict[str, dict] = {}
    for entry in retry or []:
        todo[entry["report_id"]] = entry
    for item in listed:
        report_id = str(item.get("id", "")).upper()
        if not is_valid_report_id(report_id) or (wanted and report_id not in wanted):
            continue
        if seen.get(report_id) == item.get("updateDate") and report_id not in todo:
            continue
        todo[report_id] = {"report_id": report_id, "list_version": int_or_none(item.get("version")), "update_date": item.get("updateDate")}
    known_urls = stored_source_urls(raw_dir)
    for report_id, entry in todo.items():
        try:
            fetch_report(net, raw_dir, base_url, headers, report_id, entry.get("list_version"), known_urls, found)
            seen[report_id] = entry.get("update_date") or seen.get(report_id, "")
        except DownloadError as exc:
            found.failures.append(Failure(exc.subject, exc.reason, SOURCE, retry=entry))
    if now is not None:
        state["last_until"] = now.strftime(API_TIME_FORMAT)
    state["seen"] = seen
    save_state(raw_dir, state)
    return found
