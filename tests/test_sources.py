"""Sources and downloads against a local HTTP server serving real CRS PDFs at the CRS URL pattern.

No pipeline here (tests/test_poll.py runs it): these tests pin what is fetched, what is refused and
what is recorded, including the error cases a real server produces.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from flows.config import ConfigError, PollConfig, load_config
from flows.store.raw_store import object_path, stored_metadata, stored_originals
from flows.schedule.sources import congress_api, crs, folder
from flows.schedule.sources.download import Net, PoliteClient, load_failed_downloads, redact_url
from tests.corpus_paths import FIXTURES, PDF_DIR
from tests.fake_congress import API_KEY, FakeCongress, crs_path, fake  # noqa: F401  (fake: a fixture)

API_FIXTURES = FIXTURES / "congress_api"
EXAMPLE_CONFIG = Path(__file__).parent.parent / "crsdata.example.toml"


def api_fixture(name: str, base: str) -> dict:
    return json.loads((API_FIXTURES / name).read_text().replace("{base}", base))


def serve_congress_api(server: FakeCongress, key: str = API_KEY) -> None:
    """The recorded-style answers: list (two pages of two) and details, refusing requests without the key."""
    server.api_key = key

    def list_route(handler):
        query = parse_qs(urlsplit(handler.path).query)
        assert {"fromDateTime", "toDateTime", "offset", "limit"} <= set(query)
        return api_fixture("list_page1.json" if query["offset"] == ["0"] else "list_page2.json", server.base)

    server.routes["/v3/crsreport"] = list_route
    for report_id in ("IF10753", "IN12614", "R00000"):
        server.routes[f"/v3/crsreport/{report_id}"] = lambda h, r=report_id: api_fixture(f"item_{r}.json", server.base)


@pytest.fixture
def server():
    srv = FakeCongress()
    yield srv
    srv.close()


def make_net(**kwargs) -> Net:
    settings = {"min_interval": 0.0, "timeout": 2.0} | kwargs
    return Net(PoliteClient(**settings), delays=(0.05, 0.05))


def test_first_pass_finds_the_one_published_version_by_probing_and_downloads_only_it(server, tmp_path):
    server.publish("IF10753", 6)
    raw = tmp_path / "raw"
    found = crs.find_new_versions(make_net(), raw, tmp_path / "processed", ["IF10753"], server.base, max_first_version=10)

    assert not found.failures
    assert [(f.report_id, f.version, f.claimed_version) for f in found.fetched] == [("IF10753", 6, 6)]
    # Versions 1-7 probed by a GET of their first KiB (7 is the first miss after the hit), never by HEAD
    # (the server answers HEAD with a 403 challenge, as congress.gov does); only version 6 downloaded whole.
    assert not server.paths_requested("HEAD")
    probes = [(r.path, r.headers.get("Range")) for r in server.requests if r.headers.get("Range")]
    assert probes == [(crs_path("IF10753", v), "bytes=0-1023") for v in range(1, 8)]
    assert [r.path for r in server.requests if not r.headers.get("Range")] == [crs_path("IF10753", 6)]
    stored = found.fetched[0].stored
    assert stored.path.read_bytes() == (PDF_DIR / "IF10753.6.pdf").read_bytes()
    meta = stored_metadata(raw, stored.sha256)
    assert meta["source"] == server.base + crs_path("IF10753", 6)
    assert meta["name"] == "IF10753.6.pdf" and meta["version"] == 6 and meta["version_from"] == "pdf footer"
    assert meta["fetched_at"].endswith("+00:00")


def test_later_passes_ask_only_for_the_next_versions(server, tmp_path):
    server.publish("IF10753", 6)
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    crs.find_new_versions(make_net(), raw, processed, ["IF10753"], server.base)
    server.publish("IF10753", 7)
    server.clear()

    found = crs.find_new_versions(make_net(), raw, processed, ["IF10753"], server.base)
    assert [f.version for f in found.fetched] == [7]
    assert server.paths_requested("GET") == [crs_path("IF10753", 7), crs_path("IF10753", 8)]

    server.clear()
    again = crs.find_new_versions(make_net(), raw, processed, ["IF10753"], server.base)
    assert again.fetched == [] and again.failures == []
    assert server.paths_requested("GET") == [crs_path("IF10753", 8)] and not server.paths_requested("HEAD")
    assert len(stored_originals(raw)) == 2


def test_a_report_found_nowhere_is_searched_again_only_after_a_day(server, tmp_path):
    raw = tmp_path / "raw"
    first = crs.find_new_versions(make_net(), raw, tmp_path / "processed", ["IF10753"], server.base, max_first_version=5)
    assert first.fetched == [] and not first.failures and len(server.paths_requested("GET")) == 5
    server.clear()
    server.publish("IF10753", 6)
    second = crs.find_new_versions(make_net(), raw, tmp_path / "processed", ["IF10753"], server.base, max_first_version=8)
    assert second.fetched == [] and server.requests == [] and "searched again daily" in second.checked[0]
    from flows.store.raw_store import inbox_files
    assert inbox_files(raw) == []   # the state file is not mistaken for a document

    state = json.loads((raw / crs.NOT_FOUND_STATE).read_text())
    (raw / crs.NOT_FOUND_STATE).write_text(json.dumps({k: "2020-01-01T00:00:00+00:00" for k in state}))
    third = crs.find_new_versions(make_net(), raw, tmp_path / "processed", ["IF10753"], server.base, max_first_version=8)
    assert [f.version for f in third.fetched] == [6]
    assert json.loads((raw / crs.NOT_FOUND_STATE).read_text()) == {}


def test_a_version_already_in_the_catalog_is_not_fetched_again(server, tmp_path):
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "catalog.csv").write_text("report_id,edition,version\nIF10753,2026-04-23.v7,7\n")
    server.publish("IF10753", 7)
    found = crs.find_new_versions(make_net(), tmp_path / "raw", processed, ["IF10753"], server.base)
    assert found.fetched == [] and server.paths_requested("GET") == [crs_path("IF10753", 8)]


def test_server_errors_are_retried_then_reported_and_the_next_pass_retries(server, tmp_path):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    server.publish("IF10753", 6)
    crs.find_new_versions(make_net(), raw, processed, ["IF10753"], server.base)
    server.routes[crs_path("IF10753", 7)] = 500
    server.clear()

    found = crs.find_new_versions(make_net(), raw, processed, ["IF10753"], server.base)
    assert found.fetched == []
    assert [f.reason for f in found.failures] == ["server answered HTTP 500 (after 3 attempts)"]
    assert server.paths_requested("GET").count(crs_path("IF10753", 7)) == 3
    assert len(stored_originals(raw)) == 1

    server.publish("IF10753", 7)
    retried = crs.find_new_versions(make_net(), raw, processed, ["IF10753"], server.base)
    assert [f.version for f in retried.fetched] == [7] and not retried.failures


@pytest.mark.parametrize(
    "make_body, reason_start",
    [
        (lambda pdf: pdf[: len(pdf) // 2], "truncated PDF: no %%EOF trailer"),
        (lambda pdf: b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>", "expected a PDF, got an HTML page"),
    ],
    ids=["truncated", "html-error-page"],
)
def test_bytes_that_are_not_a_whole_pdf_are_never_stored(server, tmp_path, make_body, reason_start):
    server.publish("IF10753", 6, make_body((PDF_DIR / "IF10753.6.pdf").read_bytes()))
    raw = tmp_path / "raw"
    found = crs.find_new_versions(make_net(), raw, tmp_path / "processed", ["IF10753"], server.base, max_first_version=8)
    assert found.fetched == []
    assert len(found.failures) == 1 and found.failures[0].reason.startswith(reason_start)
    assert found.failures[0].name == server.base + crs_path("IF10753", 6)
    assert not (raw / "objects").exists() or stored_originals(raw) == []


def test_a_server_that_does_not_answer_in_time_is_a_timeout_failure(server, tmp_path):
    def slow(handler):
        time.sleep(1.5)
        return (PDF_DIR / "IF10753.7.pdf").read_bytes()

    server.routes[crs_path("IF10753", 7)] = slow
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "catalog.csv").write_text("report_id,edition,version\nIF10753,2026-04-20.v6,6\n")
    found = crs.find_new_versions(make_net(timeout=0.5), tmp_path / "raw", processed, ["IF10753"], server.base)
    assert found.fetched == []
    assert [f.reason for f in found.failures] == ["timed out after 0.5 s (after 3 attempts)"]


def test_hosts_get_the_minimum_interval_between_requests(server, tmp_path):
    clock, waits = [100.0], []

    def sleep(seconds: float) -> None:   # a clock of our own: the test cannot depend on the machine's speed
        waits.append(round(seconds, 6))
        clock[0] += seconds

    client = PoliteClient(min_interval=0.3, timeout=2.0, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        client.request("GET", server.base + "/nothing")
    client.request("GET", server.base.replace("127.0.0.1", "localhost") + "/nothing")   # another host: no wait
    client.close()
    assert waits == [0.3, 0.3]


def test_congress_api_pages_the_list_fetches_pdfs_and_trusts_the_pdf_version(server, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    serve_congress_api(server)
    server.publish("IF10753", 7)
    server.publish("IN12614", 3)
    raw = tmp_path / "raw"

    found = congress_api.find_new_reports(make_net(), raw, server.base, API_KEY, page_size=2)

    assert sorted((f.report_id, f.version) for f in found.fetched) == [("IF10753", 7), ("IN12614", 3)]
    if10753 = next(f for f in found.fetched if f.report_id == "IF10753")
    meta = stored_metadata(raw, if10753.stored.sha256)
    # The list says 7, the item says 102, the PDF footer says 7: the footer wins.
    assert (meta["api_list_version"], meta["api_detail_version"], meta["version"]) == (7, 102, 7)
    assert meta["source"] == server.base + crs_path("IF10753", 7)
    assert [(f.name, f.reason) for f in found.failures] == [("R00000", "the API lists no PDF format for this report")]
    assert [r.query["offset"] for r in server.list_requests()] == [["0"], ["2"]]   # 3 distinct of 3: settled
    # The key goes only to the API, in a header: never in a URL, never to the PDF host path.
    for request in server.requests:
        assert API_KEY not in request.target
        assert (request.headers.get("X-Api-Key") == API_KEY) == request.path.startswith("/v3/")
    for stored in stored_originals(raw):
        assert API_KEY not in json.dumps(stored_metadata(raw, stored.sha256))
    state_text = (raw / congress_api.STATE).read_text()
    assert API_KEY not in state_text and json.loads(state_text)["seen"]["IF10753"] == "2026-04-23T09:12:40Z"
    assert API_KEY not in caplog.text and API_KEY not in "".join(capsys.readouterr())

    # The next pass lists the window again (the overlap) and asks for every listed report's detail, since
    # a list row can lag its detail; it downloads no PDF it already holds.
    server.clear()
    again = congress_api.find_new_reports(make_net(), raw, server.base, API_KEY, page_size=2,
                                          retry=[{"report_id": "R00000", "list_version": 1}])
    assert again.fetched == []
    assert not any(p.endswith(".pdf") for p in server.paths_requested("GET"))
    assert sorted(server.detail_requests()) == ["IF10753", "IN12614", "R00000"]

    # The crs source goes on from the footer's 7, not from the 102 the API claimed.
    server.clear()
    crs.find_new_versions(make_net(), raw, tmp_path / "processed", ["IF10753"], server.base)
    assert server.paths_requested("GET") == [crs_path("IF10753", 8)]


def test_congress_api_without_a_key_says_which_variable_to_set(server, tmp_path):
    found = congress_api.find_new_reports(make_net(), tmp_path / "raw", server.base, None)
    assert found.fetched == [] and "CONGRESS_API_KEY" in found.failures[0].reason
    assert server.requests == []


def test_a_wrong_key_is_reported_without_the_key(server, tmp_path):
    serve_congress_api(server, key="the-right-key")
    found = congress_api.find_new_reports(make_net(), tmp_path / "raw", server.base, API_KEY)
    assert found.fetched == [] and len(found.failures) == 1
    assert "HTTP 403" in found.failures[0].reason
    assert API_KEY not in repr(found.failures)


def test_redacted_urls_hide_key_parameters():
    shown = redact_url("https://api.congress.gov/v3/crsreport?api_key=SECRET123&format=json")
    assert "SECRET123" not in shown and "format=json" in shown and "api_key=***" in shown


def test_folder_source_takes_each_content_once_and_leaves_files_in_place(tmp_path):
    inbox, raw = tmp_path / "inbox", tmp_path / "raw"
    inbox.mkdir()
    (inbox / "IF10753.6.pdf").write_bytes((PDF_DIR / "IF10753.6.pdf").read_bytes())
    (inbox / "copy-of-6.pdf").write_bytes((PDF_DIR / "IF10753.6.pdf").read_bytes())
    (inbox / ".hidden.pdf").write_bytes(b"%PDF-1.4 hidden")

    first = folder.find_new_files([inbox], raw, max_bytes=10**8)
    assert [p.name for p in first.local_files] == ["IF10753.6.pdf"]   # the copy has the same content

    from flows.store.raw_store import store_original
    store_original(raw, first.local_files[0].read_bytes(), "IF10753.6.pdf", str(first.local_files[0]))
    (inbox / "IF10753.7.pdf").write_bytes((PDF_DIR / "IF10753.7.pdf").read_bytes())
    second = folder.find_new_files([inbox], raw, max_bytes=10**8)
    assert [p.name for p in second.local_files] == ["IF10753.7.pdf"]
    assert (inbox / "IF10753.6.pdf").exists() and (inbox / "copy-of-6.pdf").exists()
    # The hash cache lives under a dot name, so `crsdata run` never mistakes it for a document.
    from flows.store.raw_store import inbox_files
    assert inbox_files(raw) == []


def test_missing_inbox_is_a_reported_failure(tmp_path):
    found = folder.find_new_files([tmp_path / "nope"], tmp_path / "raw", max_bytes=10)
    assert found.local_files == [] and found.failures[0].reason == "inbox folder does not exist"


def test_example_config_loads_and_flags_extend_it(tmp_path):
    config = load_config(EXAMPLE_CONFIG)
    assert config.watch and all(r[0].isalpha() for r in config.watch)
    assert config.data_dir == (EXAMPLE_CONFIG.parent / "data").resolve()
    merged = config.with_overrides(watch=["if10753"], crs_base_url="http://127.0.0.1:1", workers=2)
    assert merged.watch[-1] == "IF10753" and merged.watch[: len(config.watch)] == config.watch
    assert merged.crs_base_url == "http://127.0.0.1:1" and merged.workers == 2


@pytest.mark.parametrize(
    "text, reason_part",
    [
        ("[sources.crs]\nwatchlist = ['IF10199']\n", "watchlist: unknown setting"),
        ("[sources.crs]\nwatch = ['not a report']\n", "invalid report number"),
        ("[sources.rss]\nurl = 'x'\n", "unknown source"),
        ("[crsdata]\nworkers = 0\n", "workers must be at least 1"),
        ("[crsdata]\nworkers = '2'\n", "workers: expected int"),
        ("[schedule]\ncron = 'daily'\n", "cron must have five fields"),
        ("[downloads\n", "not valid TOML"),
    ],
)
def test_bad_config_files_are_one_line_errors(tmp_path, text, reason_part):
    path = tmp_path / "crsdata.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert reason_part in caught.value.reason and caught.value.subject == str(path)
    assert "\n" not in str(caught.value).strip()


def test_failed_download_log_is_a_dot_file(tmp_path):
    from flows.schedule.poll import record_failures
    from flows.schedule.sources import fetch_failure

    raw = tmp_path / "raw"
    record_failures(raw, [], [fetch_failure("http://x/IF1.1.pdf", "server answered HTTP 500", "crs")])
    assert load_failed_downloads(raw)[0]["reason"] == "server answered HTTP 500"
    from flows.store.raw_store import inbox_files
    assert inbox_files(raw) == []
    record_failures(raw, load_failed_downloads(raw), [])
    assert load_failed_downloads(raw) == []
    assert not object_path(raw, "0" * 64).exists()


# --- Against the fake congress.gov: HEAD refused, ties reordered, New York stamps, lagging list rows ---

SUMMER = datetime(2026, 7, 15, 14, 0, tzinfo=timezone.utc)   # 10:00 in New York (EDT, UTC-4)
# Real corpus PDFs (report, footer version) that a bulk republication stamps alike.
TIED_REPORTS = [("IF10753", 7), ("IF11175", 11), ("IN12614", 3), ("IN12682", 2), ("LSB11418", 1),
                ("R48905", 2), ("R48917", 2), ("IF12155", 7), ("IF13199", 1)]


def test_a_new_report_is_found_by_get_probes_where_head_is_a_403_challenge(fake, tmp_path):
    fake.publish("R48905", 1)
    fake.publish("R48905", 2)
    fake.honour_ranges = False   # a server that ignores Range: the probe still stops after the first bytes
    found = crs.find_new_versions(make_net(), tmp_path / "raw", tmp_path / "processed", ["R48905"], fake.base,
                                  max_first_version=5)
    assert not found.failures and [(f.report_id, f.version) for f in found.fetched] == [("R48905", 2)]
    assert not fake.paths_requested("HEAD")
    with PoliteClient(min_interval=0.0, timeout=2.0) as client:
        status, start = client.request("GET", fake.base + crs_path("R48905", 1), read_limit=1024)
    assert (status, start) == (200, (PDF_DIR / "R48905.1.pdf").read_bytes()[:1024])


def test_every_listed_report_is_requested_in_the_pass_that_listed_it_though_ties_reorder(fake, tmp_path):
    for report_id, version in TIED_REPORTS:
        fake.update(report_id, version, at=SUMMER - timedelta(hours=3))
    found = congress_api.find_new_reports(make_net(), tmp_path / "raw", fake.base, API_KEY, now=SUMMER, page_size=2)

    ids = sorted(report_id for report_id, _ in TIED_REPORTS)
    pages_per_walk = 5   # 9 rows, 2 a page
    first_walk = {report_id for page in fake.pages_served[:pages_per_walk] for report_id in page}
    assert len(first_walk) < len(ids)            # one walk repeats some rows and skips others
    assert len(fake.list_requests()) > pages_per_walk and len(fake.list_requests()) % pages_per_walk == 0
    assert not found.failures
    assert sorted(fake.detail_requests()) == ids   # each listed report's detail, once
    assert sorted((f.report_id, f.version) for f in found.fetched) == sorted(TIED_REPORTS)


def test_values_come_from_the_detail_and_the_footer_version_is_recorded_beside_them(fake, tmp_path):
    fake.update("IF10753", 6, at=SUMMER - timedelta(days=1))
    fake.update("IF10753", 7, at=SUMMER - timedelta(hours=1))   # its list row still says version 1
    raw = tmp_path / "raw"
    found = congress_api.find_new_reports(make_net(), raw, fake.base, API_KEY, now=SUMMER)

    assert [(f.report_id, f.version, f.claimed_version) for f in found.fetched] == [("IF10753", 7, 7)]
    meta = stored_metadata(raw, found.fetched[0].stored.sha256)
    assert (meta["api_list_version"], meta["api_detail_version"], meta["version"], meta["version_from"]) == (1, 7, 7, "pdf footer")
    assert meta["source"] == fake.base + crs_path("IF10753", 7)
    # The detail's stamp as the API wrote it (New York wall time with a Z), and the instant it means.
    assert (meta["api_update_date"], meta["api_updated_at"]) == ("2026-07-15T09:00:00Z", "2026-07-15T13:00:00+00:00")


@pytest.mark.parametrize(
    "now, from_stamp, to_stamp",
    [
        ("2026-07-15T14:00:00+00:00", "2026-07-14T10:00:00Z", "2026-07-15T10:00:00Z"),   # EDT: UTC-4
        ("2026-01-15T14:00:00+00:00", "2026-01-14T09:00:00Z", "2026-01-15T09:00:00Z"),   # EST: UTC-5
        # 01:20 EST, in the hour repeated when daylight saving ends: stamps up to 02:00 already exist.
        ("2026-11-01T06:20:00+00:00", "2026-10-31T02:20:00Z", "2026-11-01T02:00:00Z"),
    ],
    ids=["summer", "winter", "repeated-hour"],
)
def test_windows_are_sent_in_new_york_wall_time(fake, tmp_path, now, from_stamp, to_stamp):
    congress_api.find_new_reports(make_net(), tmp_path / "raw", fake.base, API_KEY, now=datetime.fromisoformat(now),
                                  lookback_days=1)
    sent = fake.list_requests()[0].query
    assert (sent["fromDateTime"], sent["toDateTime"]) == ([from_stamp], [to_stamp])


@pytest.mark.parametrize(
    "first_pass, update, second_pass",
    [
        ("2026-07-15T14:00:00+00:00", "2026-07-15T14:10:00+00:00", "2026-07-15T14:40:00+00:00"),
        ("2026-01-15T15:00:00+00:00", "2026-01-15T15:10:00+00:00", "2026-01-15T15:40:00+00:00"),
        # 01:10 EDT; stamped 01:40 EDT; next pass at 01:20 EST, when New York's clock reads earlier than the stamp.
        ("2026-11-01T05:10:00+00:00", "2026-11-01T05:40:00+00:00", "2026-11-01T06:20:00+00:00"),
        # The state written in daylight time is read after it ended.
        ("2026-10-31T23:00:00+00:00", "2026-11-01T06:30:00+00:00", "2026-11-01T06:45:00+00:00"),
        ("2026-03-08T06:30:00+00:00", "2026-03-08T06:50:00+00:00", "2026-03-08T07:10:00+00:00"),
    ],
    ids=["summer", "winter", "repeated-hour", "across-fall-back", "across-spring-forward"],
)
def test_an_update_stamped_just_after_a_pass_is_found_by_the_next(fake, tmp_path, first_pass, update, second_pass):
    first, update_at, second = (datetime.fromisoformat(t) for t in (first_pass, update, second_pass))
    raw = tmp_path / "raw"
    fake.update("IF10753", 6, at=first - timedelta(days=1))
    one = congress_api.find_new_reports(make_net(), raw, fake.base, API_KEY, now=first)
    assert [f.version for f in one.fetched] == [6] and not one.failures
    assert json.loads((raw / congress_api.STATE).read_text())["last_until"] == first.isoformat()

    fake.update("IF10753", 7, at=update_at)
    two = congress_api.find_new_reports(make_net(), raw, fake.base, API_KEY, now=second)
    assert [f.version for f in two.fetched] == [7] and not two.failures


def test_a_list_that_never_settles_is_a_failure_and_its_window_is_listed_again(fake, tmp_path):
    for minutes, (report_id, version) in enumerate(TIED_REPORTS[:4]):
        fake.update(report_id, version, at=SUMMER - timedelta(minutes=30 + minutes))
    fake.count_extra = 1   # the count names a row the list never serves
    raw = tmp_path / "raw"
    found = congress_api.find_new_reports(make_net(), raw, fake.base, API_KEY, now=SUMMER, page_size=2, max_walks=3)

    assert [f.name for f in found.failures] == ["congress.gov API list"]
    assert "never settled: 4 distinct reports seen in 3 walks, the API counts 5" in found.failures[0].reason
    assert sorted(fake.detail_requests()) == sorted(r for r, _ in TIED_REPORTS[:4])   # still requested now
    assert len(found.fetched) == 4
    assert "last_until" not in json.loads((raw / congress_api.STATE).read_text())
    first_from = fake.list_requests()[0].query["fromDateTime"]

    fake.count_extra = 0
    fake.clear()
    again = congress_api.find_new_reports(make_net(), raw, fake.base, API_KEY, now=SUMMER + timedelta(hours=1), page_size=2)
    assert not again.failures and again.fetched == []
    assert fake.list_requests()[0].query["fromDateTime"] == first_from   # the same window start, listed again
    state = json.loads((raw / congress_api.STATE).read_text())
    assert state["last_until"] == (SUMMER + timedelta(hours=1)).isoformat() and "unsettled_since" not in state


def test_a_listing_cut_off_by_errors_still_requests_what_it_listed(fake, tmp_path):
    for report_id, version in TIED_REPORTS:
        fake.update(report_id, version, at=SUMMER - timedelta(hours=3))
    fake.list_fails_from = 5   # the first walk (5 pages) goes through, then the API answers 503
    raw = tmp_path / "raw"
    found = congress_api.find_new_reports(make_net(), raw, fake.base, API_KEY, now=SUMMER, page_size=2)

    listed = sorted({report_id for page in fake.pages_served for report_id in page})
    assert 0 < len(listed) < len(TIED_REPORTS)
    assert sorted(fake.detail_requests()) == listed and sorted(f.report_id for f in found.fetched) == listed
    assert [f.reason.split(";")[0] for f in found.failures] == ["listing failed: server answered HTTP 503 (after 3 attempts) "
                                                                 f"({fake.base}/v3/crsreport)"]
    state = json.loads((raw / congress_api.STATE).read_text())
    assert "last_until" not in state and state["unsettled_since"] == (SUMMER - timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    "make",
    [
        lambda base, raw: crs.find_new_versions(make_net(), raw, raw.parent / "processed", ["IF10753", "IF1/../x"], base),
        lambda base, raw: PollConfig(watch=("IF10753", "not a report"), crs_base_url=base),
        lambda base, raw: PollConfig(watch=("98-317",), crs_base_url=base),
        lambda base, raw: PollConfig(watch="IF10753", crs_base_url=base),
        lambda base, raw: PollConfig(crs_base_url=base).with_overrides(watch=["IF10753", "R4869X"]),
        lambda base, raw: PollConfig(api_report_ids=("IF10753.7",), crs_base_url=base),
    ],
    ids=["crs-source", "config", "no-letters", "a-string", "flag", "api-ids"],
)
def test_watch_list_ids_are_checked_before_any_request(fake, tmp_path, make):
    with pytest.raises(ConfigError) as caught:
        make(fake.base, tmp_path / "raw")
    assert "report number" in caught.value.reason or "versioned-PDF folder" in caught.value.reason
    assert fake.requests == []
