"""A local congress.gov that behaves as a third party measured the real one (2026-09).

An http.server on 127.0.0.1 in a thread, serving real corpus PDFs at the CRS versioned-PDF paths and
the congress.gov API v3 `crsreport` list and detail:

- a bare HEAD on anything answers 403 with `Cf-Mitigated: challenge` (a bot challenge); GET works,
  with `Range` answered by 206;
- `updateDate` is America/New_York wall time written with a `Z`; a PDF's `Last-Modified` is the true
  instant (so 4 or 5 h later than the stamp reads);
- the list is ordered by `updateDate` alone, newest first, and rows sharing a stamp come in a new
  order on every page request (seeded, so a test run is repeatable), so one walk repeats and skips;
- `sort` is accepted and ignored; `fromDateTime`/`toDateTime` filter on `updateDate` (inclusive);
- a list row's version lags its detail's (it stays at the version the report was first listed with);
- the API refuses a request without the key in `X-Api-Key` (403).

Tests drive time by giving each update its instant: nothing here reads the clock.
"""
from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.corpus_paths import PDF_DIR

API_KEY = "test-key-5f1d0c2b9e7a4d3c"
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
NEW_YORK = ZoneInfo("America/New_York")
# Corpus PDFs whose file name does not carry the version their footer shows.
UNVERSIONED_CORPUS_NAMES = {
    ("IF12155", 7): "IF12155.pdf",
    ("RL34498", 33): "RL34498.pdf",
    ("IF13199", 1): "IF13199v1-section-122-of-the-trade-act-of-1974.pdf",
}


def crs_path(report_id: str, version: int) -> str:
    kind = "".join(c for c in report_id if c.isalpha())
    return f"/crs_external_products/{kind}/PDF/{report_id}/{report_id}.{version}.pdf"


def corpus_pdf(report_id: str, version: int) -> bytes:
    name = UNVERSIONED_CORPUS_NAMES.get((report_id, version), f"{report_id}.{version}.pdf")
    return (PDF_DIR / name).read_bytes()


def new_york_stamp(instant: datetime) -> str:
    """How congress.gov writes an instant: New York wall time, with a Z."""
    return instant.astimezone(NEW_YORK).strftime(STAMP_FORMAT)


@dataclass
class ApiRecord:
    report_id: str
    version: int             # the detail's
    list_version: int        # the list row's, lagging
    updated_at: datetime     # the instant of the last update (aware)
    has_pdf: bool = True


@dataclass(frozen=True)
class Request:
    method: str
    target: str      # as sent: path and query
    path: str
    query: dict
    headers: dict


class FakeCongress:
    """`routes` maps a path to bytes, an int status, a dict (JSON) or a callable(handler) returning one."""

    def __init__(self, api_key: str = API_KEY, seed: int = 20260915):
        self.api_key = api_key
        self.routes: dict[str, object] = {}
        self.last_modified: dict[str, datetime] = {}
        self.records: dict[str, ApiRecord] = {}
        self.requests: list[Request] = []
        self.count_extra = 0          # > 0: the count names rows the list never serves (it never settles)
        self.list_fails_from: int | None = None   # list requests from this many on answer 503
        self.honour_ranges = True     # False: answer a ranged GET with the whole document and 200
        self.pages_served: list[list[str]] = []   # the ids of each list page, in order
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                fake._answer(self)

            def do_HEAD(self):
                fake._record(self)
                # congress.gov answers a bare HEAD with a bot challenge, never with the document.
                fake._send(self, 403, b"<html><body>Just a moment...</body></html>", "text/html",
                           {"Cf-Mitigated": "challenge"}, with_body=False)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    # -- what the site holds ------------------------------------------------------------------------

    def publish(self, report_id: str, version: int, data: bytes | None = None, at: datetime | None = None) -> None:
        """A PDF at its versioned CRS path (a real corpus PDF unless `data` is given)."""
        path = crs_path(report_id, version)
        self.routes[path] = data if data is not None else corpus_pdf(report_id, version)
        if at is not None:
            self.last_modified[path] = at

    def update(self, report_id: str, version: int, at: datetime, *, has_pdf: bool = True) -> None:
        """CRS publishes `version` of a report at the instant `at`: PDF, detail and (lagging) list row."""
        if has_pdf:
            self.publish(report_id, version, at=at)
        previous = self.records.get(report_id)
        list_version = previous.list_version if previous else 1
        self.records[report_id] = ApiRecord(report_id, version, list_version, at, has_pdf)

    def republish(self, report_ids, at: datetime) -> None:
        """A bulk republication: the same versions, all stamped with one instant (thousands of ties)."""
        for report_id in report_ids:
            self.records[report_id].updated_at = at

    # -- what was asked -----------------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.pages_served.clear()

    def paths_requested(self, method: str = "GET") -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if r.method == method]

    def list_requests(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == "/v3/crsreport"]

    def detail_requests(self) -> list[str]:
        with self._lock:
            return [r.path.rsplit("/", 1)[1] for r in self.requests if r.path.startswith("/v3/crsreport/")]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- answering ----------------------------------------------------------------------------------

    def _record(self, handler) -> Request:
        parts = urlsplit(handler.path)
        request = Request(handler.command, handler.path, parts.path, parse_qs(parts.query), dict(handler.headers))
        with self._lock:
            self.requests.append(request)
        return request

    def _answer(self, handler) -> None:
        request = self._record(handler)
        if request.path == "/v3/crsreport" or request.path.startswith("/v3/crsreport/"):
            if handler.headers.get("X-Api-Key") != self.api_key:
                self._send(handler, 403, json.dumps({"error": {"code": "API_KEY_INVALID"}}).encode(), "application/json")
                return
            if request.path not in self.routes:
                status, body = self._list(request) if request.path == "/v3/crsreport" else self._detail(request)
                self._send(handler, status, json.dumps(body).encode(), "application/json")
                return
        route = self.routes.get(request.path, 404)
        if callable(route):
            route = route(handler)
        if isinstance(route, int):
            self._send(handler, route, b"", "text/plain")
        elif isinstance(route, dict):
            self._send(handler, 200, json.dumps(route).encode(), "application/json")
        else:
            self._send_document(handler, request, route)

    def _send_document(self, handler, request: Request, body: bytes) -> None:
        headers = {"Accept-Ranges": "bytes"}
        if request.path in self.last_modified:
            headers["Last-Modified"] = format_datetime(self.last_modified[request.path], usegmt=True)
        wanted = handler.headers.get("Range", "")
        if wanted.startswith("bytes=") and body and self.honour_ranges:
            first, _, last = wanted[len("bytes="):].partition("-")
            start, end = int(first), min(int(last) if last else len(body) - 1, len(body) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            self._send(handler, 206, body[start:end + 1], "application/pdf", headers)
        else:
            self._send(handler, 200, body, "application/pdf", headers)

    def _list(self, request: Request) -> tuple[int, dict]:
        query = {k: v[0] for k, v in request.query.items()}
        try:
            low = datetime.strptime(query["fromDateTime"], STAMP_FORMAT) if "fromDateTime" in query else None
            high = datetime.strptime(query["toDateTime"], STAMP_FORMAT) if "toDateTime" in query else None
            offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 20)), 250)
        except ValueError as exc:
            return 400, {"error": {"message": str(exc)}}
        if self.list_fails_from is not None and len(self.pages_served) >= self.list_fails_from:
            return 503, {"error": {"message": "Service Unavailable"}}
        # `sort` is accepted and ignored, as on the real API.
        rows = []
        for record in list(self.records.values()):
            stamp = new_york_stamp(record.updated_at)
            wall = datetime.strptime(stamp, STAMP_FORMAT)
            if (low is None or wall >= low) and (high is None or wall <= high):
                rows.append((stamp, self._rng.random(), record))   # a fresh tie order on every request
        rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
        page = [self._list_row(record, stamp) for stamp, _, record in rows[offset:offset + limit]]
        with self._lock:
            self.pages_served.append([row["id"] for row in page])
        return 200, {"CRSReports": page, "pagination": {"count": len(rows) + self.count_extra},
                     "request": {"contentType": "application/json", "format": "json"}}

    def _list_row(self, record: ApiRecord, stamp: str) -> dict:
        return {"contentType": "Reports", "id": record.report_id, "publishDate": stamp, "status": "Active",
                "title": f"{record.report_id} (fake)", "updateDate": stamp,
                "url": f"{self.base}/v3/crsreport/{record.report_id}?format=json", "version": record.list_version}

    def _detail(self, request: Request) -> tuple[int, dict]:
        record = self.records.get(request.path.rsplit("/", 1)[1])
        if record is None:
            return 404, {"error": {"message": "No CRS report matches the given number"}}
        formats = [{"format": "HTML", "url": f"{self.base}/crs_external_products/HTML/{record.report_id}.html"}]
        if record.has_pdf:
            formats.insert(0, {"format": "PDF", "url": self.base + crs_path(record.report_id, record.version)})
        return 200, {"CRSReport": {"id": record.report_id, "version": record.version, "formats": formats,
                                   "updateDate": new_york_stamp(record.updated_at), "status": "Active",
                                   "title": f"{record.report_id} (fake)"},
                     "request": {"contentType": "application/json", "format": "json"}}

    @staticmethod
    def _send(handler, status: int, body: bytes, kind: str, headers: dict | None = None, *, with_body: bool = True) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            if with_body:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass   # a probe closes the connection after the first bytes


@pytest.fixture
def fake():
    server = FakeCongress()
    yield server
    server.close()
