"""Polite HTTP for the sources: one request at a time per host with a minimum interval, timeouts,
retries with backoff for server errors and timeouts, and a check that the bytes are the document
asked for before anything is stored.

Keys never leave this module in a message: every reason is scrubbed of registered secrets, and
URLs are shown with key parameters redacted.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flows.store import raw_store
from flows.store.raw_store import read_state_file
from flows.errors import CrsdataError

USER_AGENT = "crsdata/0.1 (+https://github.com/crsdata; scheduled CRS report poller)"
SECRET_PARAMS = {"api_key", "apikey", "key", "token"}
# A dot name: raw_store.inbox_files treats any other file under raw/ as a document to ingest.
FAILED_DOWNLOADS = ".failed_downloads.json"
PDF_TAIL_WINDOW = 2048  # %%EOF may be followed by a few bytes of whitespace or an incremental update marker
HTML_HEAD_RE = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body)", re.I)
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
PROBE_BYTES = 1024   # what an existence probe reads: enough to see "%PDF-", the rest stays on the server

_secrets: set[str] = set()

# httpx logs every request URL at INFO; nothing we send carries a key in the URL, but stay quiet anyway.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)


class DownloadError(CrsdataError):
    """A fetch failed; `transient` failures (5xx, timeouts, cut-off bodies) are worth retrying."""

    def __init__(self, subject: str, reason: str, *, transient: bool):
        super().__init__(scrub(subject), scrub(reason))
        self.transient = transient


def register_secret(value: str) -> None:
    """Remember a secret so that no message produced here can contain it."""
    if value:
        _secrets.add(value)


def scrub(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return scrub(urlunsplit(parts._replace(query=urlencode(query, safe="*:"))))


class PoliteClient:
    """An httpx client that waits `min_interval` seconds between requests to the same host."""

    def __init__(self, *, min_interval: float = 1.0, timeout: float = 30.0, max_bytes: int = 60 * 1024 * 1024,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        import httpx

        self.min_interval = min_interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._clock, self._sleep = clock, sleep
        self._last_request: dict[str, float] = {}
        self._http = httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait_for_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wait = self.min_interval - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = self._clock()

    def request(self, method: str, url: str, *, params: dict | None = None, headers: dict | None = None,
                read_limit: int | None = None) -> tuple[int, bytes]:
        """(status, body); the body is read in full (up to max_bytes) within the timeout, or only its
        first `read_limit` bytes, after which the connection is closed."""
        import httpx

        self._wait_for_turn(url)
        shown = redact_url(url)
        deadline = self._clock() + self.timeout * 4  # a trickling server still ends; each read has its own timeout
        try:
            with self._http.stream(method, url, params=params, headers=headers) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise DownloadError(shown, f"response larger than {self.max_bytes} bytes", transient=False)
                    if self._clock() > deadline:
                        raise DownloadError(shown, f"download took longer than {self.timeout * 4:.0f} s", transient=True)
                    chunks.append(chunk)
                    if read_limit is not None and size >= read_limit:
                        break
                body = b"".join(chunks)
                return response.status_code, body if read_limit is None else body[:read_limit]
        except httpx.TimeoutException:
            raise DownloadError(shown, f"timed out after {self.timeout:g} s", transient=True) from None
        except httpx.TransportError as exc:
            raise DownloadError(shown, f"connection failed ({type(exc).__name__})", transient=True) from None


def status_to_error(status: int, shown: str) -> DownloadError:
    if status in RETRYABLE_STATUS:
        return DownloadError(shown, f"server answered HTTP {status}", transient=True)
    return DownloadError(shown, f"server answered HTTP {status}", transient=False)


def verify_pdf_start(data: bytes, shown: str) -> None:
    """Refuse a start of the bytes that is not a PDF's (an error or challenge page served with 200)."""
    if b"%PDF-" not in data[:PROBE_BYTES]:
        kind = "an HTML page" if HTML_HEAD_RE.match(data[:2048].lstrip(b"\xef\xbb\xbf")) else "not a PDF"
        raise DownloadError(shown, f"expected a PDF, got {kind} ({len(data)} bytes)", transient=False)


def verify_document(data: bytes, expect: str, shown: str) -> None:
    """Refuse bytes that are not a whole PDF (or an HTML page, when one is expected)."""
    if expect == "pdf":
        verify_pdf_start(data, shown)
        if b"%%EOF" not in data[-PDF_TAIL_WINDOW:]:
            # A cut connection looks exactly like this, so it is worth another try.
            raise DownloadError(shown, f"truncated PDF: no %%EOF trailer ({len(data)} bytes)", transient=True)
    elif expect == "html":
        if not HTML_HEAD_RE.match(data[:2048].lstrip(b"\xef\xbb\xbf")) or b"</html" not in data[-4096:].lower():
            raise DownloadError(shown, f"expected a whole HTML page ({len(data)} bytes)", transient=False)
    else:
        raise ValueError(f"unknown document kind {expect!r}")


def get_document(client: PoliteClient, url: str, expect: str = "pdf") -> bytes | None:
    """One attempt: the verified bytes, None when the server says there is no such document (404/410)."""
    shown = redact_url(url)
    status, body = client.request("GET", url)
    if status in (404, 410):
        return None
    if status != 200:
        raise status_to_error(status, shown)
    verify_document(body, expect, shown)
    return body


def get_json(client: PoliteClient, url: str, *, params: dict | None = None, headers: dict | None = None) -> dict:
    shown = redact_url(url)
    status, body = client.request("GET", url, params=params, headers=headers)
    if status != 200:
        raise status_to_error(status, shown)
    try:
        return json.loads(body)
    except ValueError:
        raise DownloadError(shown, "answer is not JSON", transient=True) from None


def with_retries(call: Callable[[], object], delays: tuple[float, ...] | list[float], sleep: Callable[[float], None] = time.sleep):
    """Library-side retries (Prefect task retries do this inside a served flow): transient errors only."""
    for attempt in range(len(delays) + 1):
        try:
            return call()
        except DownloadError as exc:
            if not exc.transient or attempt == len(delays):
                if attempt:
                    raise DownloadError(exc.subject, f"{exc.reason} (after {attempt + 1} attempts)", transient=exc.transient) from None
                raise
            sleep(delays[attempt])
    raise AssertionError("unreachable")


def pdf_footer_identity(data: bytes) -> tuple[str | None, int | None]:
    """(report id, version) from the CRS footer of the last page, the authority on the version."""
    import io

    import pdfplumber

    from extractors.identity import FOOTER_IDENTITY_RE

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [pdf.pages[-1], pdf.pages[0]] if pdf.pages else []
            for page in pages:
                match = FOOTER_IDENTITY_RE.search(page.extract_text() or "")
                if match:
                    return match.group("report_id"), int(match.group("version"))
    except Exception:  # the pipeline reports unreadable PDFs properly; here only the version is at stake
        return None, None
    return None, None


def store_fetched(raw_dir: Path, data: bytes, name: str, url: str, extra: dict) -> tuple[raw_store.StoredOriginal, bool]:
    """Store downloaded bytes (never overwriting) and add where/when/which-version to their record.

    The record is written once, when the bytes are first stored; later fetches of the same bytes
    leave it as it is. Returns (stored, is_new).
    """
    sha = raw_store.sha256_of(data)
    meta_path = raw_store.object_path(raw_dir, sha).with_name(sha + ".json")
    is_new = not meta_path.exists()
    stored = raw_store.store_original(raw_dir, data, name, redact_url(url))
    if is_new:
        meta = json.loads(meta_path.read_text())
        meta.update({"fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **extra})
        raw_store.write_atomically(meta_path, json.dumps(meta, indent=2).encode())
    return stored, is_new


def failed_downloads_path(raw_dir: Path) -> Path:
    return raw_dir / FAILED_DOWNLOADS


def load_failed_downloads(raw_dir: Path) -> list[dict]:
    return read_state_file(failed_downloads_path(raw_dir), [])


def save_failed_downloads(raw_dir: Path, entries: list[dict]) -> None:
    path = failed_downloads_path(raw_dir)
    if not entries:
        path.unlink(missing_ok=True)
        return
    raw_store.write_atomically(path, json.dumps(entries, indent=2).encode())


# A fetch is "url, kind -> verified bytes or None (no such document)", retries included.
Fetch = Callable[[str, str], "bytes | None"]


def retrying_fetch(client: PoliteClient, delays: tuple[float, ...], sleep: Callable[[float], None] = time.sleep) -> Fetch:
    def fetch(url: str, expect: str) -> bytes | None:
        return with_retries(lambda: get_document(client, url, expect), delays, sleep)

    return fetch


def fetch_and_store(fetch: Fetch, raw_dir: Path, url: str, name: str, source: str, report_id: str,
                    claimed_version: int | None, extra: dict | None = None):
    """Download one original, check its footer, store it. None when the server has no such document."""
    from flows.schedule.sources import Fetched

    data = fetch(url, "pdf")
    if data is None:
        return None
    footer_id, footer_version = pdf_footer_identity(data)
    if footer_id is not None and footer_id != report_id:
        raise DownloadError(redact_url(url), f"the PDF is {footer_id}, not {report_id}", transient=False)
    meta = {
        "source_kind": source,
        "report_id": report_id,
        "claimed_version": claimed_version,
        "version": footer_version if footer_version is not None else claimed_version,
        "version_from": "pdf footer" if footer_version is not None else source,
        **(extra or {}),
    }
    stored, is_new = store_fetched(raw_dir, data, name, url, meta)
    return Fetched(stored, redact_url(url), source, report_id, claimed_version, meta["version"], is_new)


def probe_exists(client: PoliteClient, url: str) -> bool:
    """One attempt: does the server have this PDF? A GET for its first bytes, never a HEAD: congress.gov
    answers a bare HEAD on a CRS PDF with 403 and `Cf-Mitigated: challenge` where GET answers 200.
    A server that ignores Range answers 200; the connection is closed after the first bytes anyway."""
    status, start = client.request("GET", url, headers={"Range": f"bytes=0-{PROBE_BYTES - 1}"}, read_limit=PROBE_BYTES)
    if status in (404, 410):
        return False
    if status not in (200, 206):
        raise status_to_error(status, redact_url(url))
    verify_pdf_start(start, redact_url(url))
    return True


class Net:
    """What the sources need from the network, with the retry policy already applied."""

    def __init__(self, client: PoliteClient, delays: tuple[float, ...], fetch: Fetch | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.delays = tuple(delays)
        self._sleep = sleep
        self.fetch: Fetch = fetch or retrying_fetch(client, self.delays, sleep)

    def exists(self, url: str) -> bool:
        return with_retries(lambda: probe_exists(self.client, url), self.delays, self._sleep)

    def json(self, url: str, *, params: dict | None = None, headers: dict | None = None) -> dict:
        return with_retries(lambda: get_json(self.client, url, params=params, headers=headers), self.delays, self._sleep)
