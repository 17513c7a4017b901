"""`crsdata poll` end to end: a local server where new CRS versions appear, the real pipeline behind it.

One data folder and one server for the module, because every step depends on what the step before
stored and published (the first pipeline run also starts Prefect's temporary server, ~15 s).
"""
from __future__ import annotations

import csv
import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from flows.cli import cli
from flows.config import PollConfig
from flows.schedule.poll import poll_once
from flows.store.raw_store import stored_metadata, stored_originals
from flows.schedule.sources.download import load_failed_downloads
from tests.fake_congress import API_KEY, FakeCongress, crs_path

# A fixed instant in the past: the first API pass looks back far enough (lookback_days) to see it.
BULK_REPUBLICATION = datetime(2026, 4, 22, 14, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def server():
    """A fake congress.gov: HEAD is a 403 challenge, ties reorder, New York stamps, list rows lag."""
    srv = FakeCongress()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("poll-data")


def config_for(server, data_dir, **kwargs) -> PollConfig:
    return PollConfig(data_dir=data_dir, watch=("IF10753",), crs_base_url=server.base, max_first_version=8,
                      min_interval_seconds=0.0, timeout_seconds=5.0, retry_delay_seconds=(0.05, 0.05), **kwargs)


def catalog_versions(data_dir) -> list[tuple[str, str]]:
    with (data_dir / "processed" / "catalog.csv").open(newline="") as handle:
        return [(row["report_id"], row["version"]) for row in csv.DictReader(handle)]


def output_of(result) -> str:
    return result.output + (getattr(result, "stderr", "") or "")


def test_first_poll_fetches_and_publishes_version_6(server, data_dir):
    server.publish("IF10753", 6)
    result = poll_once(config_for(server, data_dir))

    assert not result.failures, result.failures
    assert [(f.report_id, f.version) for f in result.found.fetched] == [("IF10753", 6)]
    assert [o.status for o in result.summary.outcomes] == ["published"]
    assert result.summary.outcomes[0].edition.endswith(".v6")
    assert catalog_versions(data_dir) == [("IF10753", "6")]
    manifest = json.loads(next((data_dir / "processed" / "IF10753").glob("*/manifest.json")).read_text())
    assert manifest["version"] == 6 and manifest["source_sha256"] == result.found.fetched[0].stored.sha256


def test_a_failing_server_is_reported_nothing_is_published_and_the_next_poll_retries(server, data_dir):
    server.routes[crs_path("IF10753", 7)] = 500
    result = CliRunner().invoke(cli, ["poll", "--watch", "IF10753", "--crs-base-url", server.base, "--data-dir", str(data_dir)],
                                catch_exceptions=False, env={"CRSDATA_HOME": str(data_dir)})
    # CLI defaults are polite (2/10/30 s delays) only between retries of this one URL; 500 is fixed below.
    assert result.exit_code == 1
    assert f"Error: {server.base}{crs_path('IF10753', 7)}: server answered HTTP 500 (after 4 attempts)" in output_of(result)
    assert catalog_versions(data_dir) == [("IF10753", "6")]
    assert [e["subject"] for e in load_failed_downloads(data_dir / "raw")] == [server.base + crs_path("IF10753", 7)]


def test_next_poll_fetches_only_version_7_and_publishes_it(server, data_dir):
    server.publish("IF10753", 7)
    server.clear()
    result = poll_once(config_for(server, data_dir))

    assert not result.failures, result.failures
    assert [f.version for f in result.found.fetched] == [7]
    assert server.paths_requested("GET") == [crs_path("IF10753", 7), crs_path("IF10753", 8)]
    assert [o.status for o in result.summary.outcomes] == ["published"]
    assert sorted(catalog_versions(data_dir)) == [("IF10753", "6"), ("IF10753", "7")]
    assert load_failed_downloads(data_dir / "raw") == []


def test_a_poll_with_nothing_new_says_so_and_runs_no_pipeline(server, data_dir):
    published_before = sorted((data_dir / "processed").glob("*/*/manifest.json"))
    result = poll_once(config_for(server, data_dir))
    assert result.nothing_new and result.summary is None and not result.failures
    assert sorted((data_dir / "processed").glob("*/*/manifest.json")) == published_before

    cli_result = CliRunner().invoke(cli, ["poll", "--watch", "IF10753", "--crs-base-url", server.base, "--data-dir", str(data_dir)])
    assert cli_result.exit_code == 0, output_of(cli_result)
    assert "Nothing new (checked IF10753)" in cli_result.output


def test_cli_poll_finds_and_publishes_the_newest_version_of_a_new_report(server, data_dir, tmp_path):
    server.publish("R48905", 1)
    server.publish("R48905", 2)
    server.clear()
    config = tmp_path / "crsdata.toml"
    config.write_text('[sources.crs]\nmax_first_version = 4\n'
                      '[downloads]\nmin_interval_seconds = 0.0\nretry_delay_seconds = [0.05]\n')
    result = CliRunner().invoke(cli, ["poll", "--config", str(config), "--watch", "R48905", "--crs-base-url", server.base,
                                      "--data-dir", str(data_dir)])
    assert result.exit_code == 0, output_of(result)
    assert f"fetched  R48905 v2  <- {server.base}{crs_path('R48905', 2)}" in result.output
    assert ("R48905", "2") in catalog_versions(data_dir) and ("R48905", "1") not in catalog_versions(data_dir)
    # Found by GETs of the first KiB (the fake answers HEAD with a 403 challenge, as congress.gov does).
    probes = [r.path for r in server.requests if r.headers.get("Range") == "bytes=0-1023"]
    assert probes[:3] == [crs_path("R48905", v) for v in (1, 2, 3)]


def test_cli_poll_refuses_a_bad_watch_id_before_any_request(server, data_dir):
    server.clear()
    result = CliRunner().invoke(cli, ["poll", "--watch", "IF10753", "--watch", "IF1/../../x", "--crs-base-url", server.base,
                                      "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "Error: --watch: 'IF1/../../X': invalid report number (expected e.g. IF10199, R48694)" in output_of(result)
    assert server.requests == []


def test_congress_api_poll_publishes_new_reports_and_never_shows_the_key(server, data_dir, tmp_path):
    # A bulk republication stamps every report alike: the list reorders them between page requests.
    server.update("IF10753", 7, at=BULK_REPUBLICATION)     # already held from the crs source (same URL)
    server.update("IN12614", 3, at=BULK_REPUBLICATION)     # its list row says version 1
    server.update("R00000", 1, at=BULK_REPUBLICATION, has_pdf=False)
    server.update("R48905", 2, at=BULK_REPUBLICATION)      # held too
    server.update("IF11175", 11, at=BULK_REPUBLICATION)
    server.clear()
    config = tmp_path / "crsdata.toml"
    config.write_text(
        f'[crsdata]\ndata_dir = "{data_dir}"\n'
        f'[sources.congress_api]\nenabled = true\nbase_url = "{server.base}"\npage_size = 2\nlookback_days = 36500\n'
        '[downloads]\nmin_interval_seconds = 0.0\nretry_delay_seconds = [0.05]\n'
    )
    result = CliRunner().invoke(cli, ["poll", "--config", str(config)], env={"CONGRESS_API_KEY": API_KEY})
    text = output_of(result)

    assert "fetched  IN12614 v3" in text and "fetched  IF11175 v11" in text
    assert "Error: R00000: the API lists no PDF format for this report" in text
    assert result.exit_code == 1   # R00000 failed; the others went through
    # Every listed report's detail was asked for in this pass; held PDFs were not fetched again.
    assert sorted(server.detail_requests()) == ["IF10753", "IF11175", "IN12614", "R00000", "R48905"]
    assert not any(p in server.paths_requested("GET") for p in (crs_path("IF10753", 7), crs_path("R48905", 2)))
    assert sorted(catalog_versions(data_dir)) == [("IF10753", "6"), ("IF10753", "7"), ("IF11175", "11"),
                                                  ("IN12614", "3"), ("R48905", "2")]
    raw = data_dir / "raw"
    in12614 = next(stored_metadata(raw, s.sha256) for s in stored_originals(raw) if s.name == "IN12614.3.pdf")
    assert (in12614["api_list_version"], in12614["api_detail_version"], in12614["version"]) == (1, 3, 3)
    # The key is in no output and in no file under the data folder (every file, whatever its kind).
    assert API_KEY not in text
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert len(files) > 20
    for path in files:
        assert API_KEY.encode() not in path.read_bytes(), path
