"""The `congress_api` source: CRS products updated in a time window, from the congress.gov API v3.

List: ``GET {base}/v3/crsreport?fromDateTime=..&toDateTime=..&offset=..&limit=..&format=json``
(``CRSReports`` rows with ``id``, ``version``, ``updateDate``; ``pagination.count``); detail:
``GET {base}/v3/crsreport/{id}`` (``CRSReport`` with ``currentVersion`` or ``version``, ``updateDate``
and ``formats`` holding the PDF URL).

What the real API does (measured by a third party, 2026-09), and what this module does about it:

- ``updateDate`` is America/New_York wall time written with a ``Z`` (the PDF's ``Last-Modified`` is
  exactly 4 or 5 h later), and ``fromDateTime``/``toDateTime`` filter on it: windows are computed as
  instants and sent as New York wall times, with an overlap; the state keeps the UTC instant.
- The list is ordered by ``updateDate`` alone (``sort`` is accepted and ignored), thousands of rows
  share one stamp, and the tie order changes between page requests, so one walk repeats some rows and
  skips others while its length looks right: the window is walked again until the distinct ids seen
  reach ``pagination.count`` (at most ``max_walks`` walks; otherwise a failure, and the window is
  listed again next pass).
- A list row lags its own detail (list version 1 where the detail says 6): the list only enumerates;
  every listed report's detail is requested in the pass that listed it, and version, updateDate and
  PDF URL come from the detail. The PDF footer's version is what gets recorded as `version`.

The key comes from an environment variable and travels only in the ``X-Api-Key`` header to the API
host, never in a URL, never to the PDF host, never into a message or a file.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from extractors.identity import is_valid_report_id
from flows.store import raw_store
from flows.store.raw_store import OBJECTS, read_state_file
from flows.outcome import Outcome
from flows.schedule.sources import Found, fetch_failure
from flows.schedule.sources.download import DownloadError, Net, fetch_and_store, register_secret

SOURCE = "congress_api"
# A dot name: raw_store.inbox_files treats any other file under raw/ as a document to ingest.
STATE = ".congress_api_state.json"
API_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"   # the Z is there, but the clock is New York's
NEW_YORK = ZoneInfo("America/New_York")  # tzdata (a dependency) provides it where the system has no zone files
# More than the hour New York clocks go back when daylight saving ends: a stamp written in that
# repeated hour can be an hour older than the last pass's end, and must still fall in the next window.
WINDOW_OVERLAP = timedelta(hours=2)
MAX_PAGES_PER_WALK = 200                 # 50,000 rows: a window that large is a configuration mistake
DEFAULT_MAX_WALKS = 20                   # 3,000 rows on one stamp settle in 7-10 walks of 250 on the fake


@dataclass(frozen=True)
class Window:
    """One pass's list window: the instants, and the New York wall stamps sent for them."""

    since: datetime
    until: datetime
    from_stamp: str
    to_stamp: str

    def params(self) -> dict:
        return {"fromDateTime": self.from_stamp, "toDateTime": self.to_stamp}


@dataclass(frozen=True)
class Listing:
    """What the walks of one window saw: each distinct id once (its first row), and whether that is all."""

    rows: dict[str, dict]
    count: int | None      # pagination.count of the last page read
    walks: int
    error: str | None = None

    @property
    def settled(self) -> bool:
        return self.error is None and (self.count is None or len(self.rows) >= self.count)


def instant_to_api_stamp(instant: datetime) -> str:
    """An aware instant -> the API's stamp for it: New York wall time, written with a Z."""
    return instant.astimezone(NEW_YORK).strftime(API_TIME_FORMAT)


def api_stamp_to_instant(stamp: str | None) -> datetime | None:
    """'2026-04-23T09:12:40Z' (New York wall time) -> that instant in UTC; None when unreadable.

    In the hour repeated when daylight saving ends the stamp is ambiguous; the first run is taken."""
    try:
        wall = datetime.strptime(str(stamp), API_TIME_FORMAT)
    except ValueError:
        return None
    return wall.replace(tzinfo=NEW_YORK).astimezone(timezone.utc)


def newest_stamp_at(now: datetime) -> str:
    """The newest stamp the API can hold at `now`: New York wall time, except in the hour repeated when
    daylight saving ends, whose first run already wrote stamps up to the end of that hour."""
    wall = now.astimezone(NEW_YORK)
    if wall.fold:
        end_of_hour = wall.replace(tzinfo=None, minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return end_of_hour.strftime(API_TIME_FORMAT)
    return wall.strftime(API_TIME_FORMAT)


def state_instant(state: dict, key: str) -> datetime | None:
    """An instant kept in the state: ISO with its offset (states before 2026-12 wrote UTC with a Z)."""
    try:
        instant = datetime.fromisoformat(state[key])
    except (KeyError, TypeError, ValueError):
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def window_for(now: datetime, state: dict, lookback_days: float) -> Window:
    """From the start of a window that never settled, else the end of the last pass less the overlap.

    The state keeps instants, not wall times, so a window is the same across a daylight-saving change."""
    last_until = state_instant(state, "last_until")
    since = state_instant(state, "unsettled_since") or (last_until - WINDOW_OVERLAP if last_until else None)
    since = since or now - timedelta(days=lookback_days)
    return Window(since, now, instant_to_api_stamp(since), newest_stamp_at(now))


def state_after_pass(state: dict, window: Window, settled: bool, seen: dict[str, str]) -> dict:
    as_text = lambda instant: instant.astimezone(timezone.utc).isoformat(timespec="seconds")  # noqa: E731
    new = {**state, "seen": seen}
    if settled:
        new.pop("unsettled_since", None)
        new["last_until"] = as_text(window.until)
        new["last_window"] = {**window.params(), "time_zone": "America/New_York"}
    else:
        new["unsettled_since"] = as_text(window.since)
    return new


def load_state(raw_dir: Path) -> dict:
    return read_state_file(raw_dir / STATE, {})


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


def row_id(row: dict) -> str:
    return str(row.get("id", "")).strip().upper()


def walk_pages(net: Net, list_url: str, headers: dict, window: Window, page_size: int) -> Iterator[tuple[list[dict], int | None]]:
    """One offset-paged walk of the window, page by page: (rows, the count the page gives)."""
    count = None
    for page in range(MAX_PAGES_PER_WALK):
        params = {**window.params(), "offset": page * page_size, "limit": page_size, "format": "json"}
        answer = net.json(list_url, params=params, headers=headers)
        batch = answer.get("CRSReports") or []
        total = (answer.get("pagination") or {}).get("count")
        count = total if isinstance(total, int) else count
        yield batch, count
        if len(batch) < page_size or (count is not None and (page + 1) * page_size >= count):
            return


def list_until_settled(net: Net, base_url: str, headers: dict, window: Window, page_size: int, max_walks: int) -> Listing:
    """Walk the window again until the distinct ids seen over all walks reach the API's count.

    A request that fails ends the listing: what was seen until then is kept, with the error."""
    list_url = f"{base_url.rstrip('/')}/v3/crsreport"
    rows: dict[str, dict] = {}
    count = None
    for walk in range(1, max_walks + 1):
        try:
            for batch, count in walk_pages(net, list_url, headers, window, page_size):
                for row in batch:
                    rows.setdefault(row_id(row), row)
        except DownloadError as exc:
            return Listing(rows, count, walk, error=f"listing failed: {exc.reason} ({exc.subject})")
        if Listing(rows, count, walk).settled:
            break
    return Listing(rows, count, walk)


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


def detail_to_version(detail: dict) -> int | None:
    return int_or_none(detail.get("currentVersion", detail.get("version")))


def request_detail(net: Net, base_url: str, headers: dict, report_id: str) -> dict:
    item_url = f"{base_url.rstrip('/')}/v3/crsreport/{quote(report_id)}"
    detail = net.json(item_url, params={"format": "json"}, headers=headers).get("CRSReport") or {}
    if detail.get("id") and row_id(detail) != report_id:
        raise DownloadError(report_id, f"the API's detail record is for {row_id(detail)}", transient=False)
    return detail


def fetch_report(net: Net, raw_dir: Path, base_url: str, headers: dict, entry: dict, known_urls: set[str],
                 found: Found) -> str | None:
    """Request the report's detail and fetch the PDF it names (unless already stored); the detail's updateDate."""
    report_id = entry["report_id"]
    detail = request_detail(net, base_url, headers, report_id)
    pdf_url = item_to_pdf_url(detail)
    if pdf_url is None:
        raise DownloadError(report_id, "the API lists no PDF format for this report", transient=False)
    if pdf_url in known_urls:
        return detail.get("updateDate")
    detail_version = detail_to_version(detail)
    updated_at = api_stamp_to_instant(detail.get("updateDate"))
    name = Path(urlsplit(pdf_url).path).name
    if not name.lower().endswith(".pdf"):
        name = f"{report_id}.pdf"
    fetched = fetch_and_store(
        net.fetch, raw_dir, pdf_url, name, SOURCE, report_id, detail_version,
        {"api_detail_version": detail_version, "api_update_date": detail.get("updateDate"),
         "api_updated_at": updated_at.isoformat() if updated_at else None,
         "api_list_version": entry.get("list_version"), "api_list_update_date": entry.get("list_update_date")},
    )
    if fetched is None:
        raise DownloadError(pdf_url, "the API's PDF link answers 404", transient=False)
    known_urls.add(pdf_url)
    found.fetched.append(fetched)
    return detail.get("updateDate")


def listing_to_entries(listing: Listing, wanted: set[str]) -> dict[str, dict]:
    """What the list says of each report; only for the record, the detail is asked for the values."""
    entries = {}
    for report_id, row in listing.rows.items():
        if is_valid_report_id(report_id) and (not wanted or report_id in wanted):
            entries[report_id] = {"report_id": report_id, "list_version": int_or_none(row.get("version")),
                                  "list_update_date": row.get("updateDate")}
    return entries


def unsettled_failure(listing: Listing, window: Window) -> Outcome:
    what = listing.error or (f"the list never settled: {len(listing.rows)} distinct reports seen in {listing.walks} "
                             f"walks, the API counts {listing.count}")
    reason = f"{what}; the window {window.from_stamp}..{window.to_stamp} (New York time) is listed again next pass"
    return fetch_failure("congress.gov API list", reason, SOURCE)


def find_new_reports(net: Net, raw_dir: Path, base_url: str, api_key: str | None, *, now: datetime | None = None,
                     lookback_days: float = 3, report_ids: list[str] | None = None, page_size: int = 250,
                     retry: list[dict] | None = None, max_walks: int = DEFAULT_MAX_WALKS) -> Found:
    """Download the PDF of every report updated since the last pass (and of those that failed then).

    `now` (an aware instant) is the end of this pass's window. A window whose list never settled (or
    failed) is listed again from its start by the next pass."""
    found = Found(checked=["congress.gov API"])
    if not api_key:
        found.failures.append(fetch_failure("congress_api", "no API key: set the CONGRESS_API_KEY environment variable", SOURCE))
        return found
    register_secret(api_key)
    headers = {"X-Api-Key": api_key}
    now = now or datetime.now(timezone.utc)
    state = load_state(raw_dir)
    window = window_for(now, state, lookback_days)
    listing = list_until_settled(net, base_url, headers, window, page_size, max_walks)
    if not listing.settled:
        found.failures.append(unsettled_failure(listing, window))
    found.checked = [f"congress.gov API: {len(listing.rows)} updated {window.from_stamp}..{window.to_stamp} New York time"]
    todo = {entry["report_id"]: entry for entry in retry or []}
    todo.update(listing_to_entries(listing, {r.upper() for r in report_ids or []}))
    known_urls = stored_source_urls(raw_dir)
    seen: dict[str, str] = dict(state.get("seen", {}))
    for report_id, entry in todo.items():
        try:
            update_date = fetch_report(net, raw_dir, base_url, headers, entry, known_urls, found)
            seen[report_id] = update_date or seen.get(report_id, "")
        except DownloadError as exc:
            found.failures.append(fetch_failure(exc.subject, exc.reason, SOURCE, retry=entry))
    save_state(raw_dir, state_after_pass(state, window, listing.settled, seen))
    return found
