"""`crsdata browse` end to end: a real run on the corpus, the real server on a free port, HTTP and
headless Chromium (Debian's chromium driven by Playwright; .ci/run installs it)."""
from __future__ import annotations

import html
import http.client
import io
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner
from markupsafe import escape

from extractors.diff.comparable_text import frame_to_records
from flows.store import raw_store
from flows.cli import cli
from flows.browse.database import schema_module
from schemas import DATASETS
from tests.corpus_paths import HTML_PATH, PDF_DIR, SEED_PATH

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 90    # seconds; a bound on waiting, not a timing assertion
STOP_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(proc: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"crsdata browse exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/-/versions.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"crsdata browse did not answer within {START_TIMEOUT} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("browse-site")
    inputs = [SEED_PATH, HTML_PATH, PDF_DIR / "IF10753.6.pdf", PDF_DIR / "IN12682.2.pdf"]
    result = CliRunner().invoke(cli, ["run", *map(str, inputs), "--report-id", "IF10199", "--data-dir", str(data_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    processed = data_dir / "processed"
    # Not published: a folder without a manifest, and an original that no edition came from.
    half_written = processed / "IF10199" / "2099-01-01"
    half_written.mkdir()
    (half_written / "figures.csv").write_text("text\nnot published\n")
    unpublished = raw_store.store_original(data_dir / "raw", b"never published\n", "private.txt", "test")
    port = free_port()
    log = open(data_dir / "browse.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "browse", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=data_dir,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base)
        yield {"base": base, "port": port, "proc": proc, "log": log, "processed": processed, "raw": data_dir / "raw",
               "catalog": pd.read_csv(processed / "catalog.csv"), "unpublished": unpublished.sha256}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)
        log.close()


def edition_folder(site, report_id: str, which: int = -1):
    rows = site["catalog"][site["catalog"]["report_id"] == report_id].sort_values(["date", "edition"])
    return site["processed"] / rows.iloc[which]["path"], rows.iloc[which]["edition"]


def raw_get(site, path: str, redirects: int = 3) -> tuple[int, bytes]:
    """GET a path exactly as written (no client-side normalising of '..' or '%2F'), following redirects."""
    for _ in range(redirects + 1):
        conn = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status not in (301, 302) or not response.getheader("location"):
            return response.status, body
        path = re.sub(r"^https?://[^/]+", "", response.getheader("location"))
    return response.status, body


def test_server_listens_on_loopback_only_by_default(site):
    listening = []
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.split(":")[1], 16) == site["port"]:
            listening.append(local.split(":")[0])
    assert listening == ["0100007F"]  # 127.0.0.1, not 0.0.0.0
    site["log"].seek(0)
    assert f"at http://127.0.0.1:{site['port']}/" in site["log"].read()


def test_figures_json_returns_every_figure_of_every_if10199_edition(site):
    rows = httpx.get(f"{site['base']}/crsdata/figures.json", params={"report_id": "IF10199", "_shape": "array"}, timeout=30).json()
    folders = [site["processed"] / p for p in site["catalog"].loc[site["catalog"]["report_id"] == "IF10199", "path"]]
    assert len(folders) == 2
    expected = {(folder.name, r["text"], r["char_start"]) for folder in folders for r in frame_to_records(pd.read_csv(folder / "figures.csv"))}
    assert len(rows) == sum(len(pd.read_csv(folder / "figures.csv")) for folder in folders) > 0
    assert {(r["edition"], r["text"], r["char_start"]) for r in rows} == expected
    assert {r["report_id"] for r in rows} == {"IF10199"}


def test_latest_figures_csv_is_the_newest_editions_rows(site):
    folder, edition = edition_folder(site, "IF10199")
    response = httpx.get(f"{site['base']}/crsdata/latest_figures.csv", params={"report_id": "IF10199", "_size": "max"}, timeout=30)
    assert response.status_code == 200
    served = pd.read_csv(io.StringIO(response.text))
    assert set(served["edition"]) == {edition}
    assert frame_to_records(served.drop(columns=["report_id", "edition"])) == frame_to_records(pd.read_csv(folder / "figures.csv"))


def test_every_table_page_describes_its_columns(site):
    for name in (*DATASETS, "changes"):
        page = httpx.get(f"{site['base']}/crsdata/{name}", timeout=30).text
        for column, spec in schema_module(name).Schema.to_schema().columns.items():
            assert f"<dt>{column}</dt><dd>{escape(spec.description)}</dd>" in page, (name, column)
        assert "Public domain" in page  # the license, on every page
    assert "<dt>report_id</dt>" in httpx.get(f"{site['base']}/crsdata/latest_figures", timeout=30).text


def test_full_text_search_finds_a_section_sentence(site):
    folder, edition = edition_folder(site, "IF10199", 0)
    sections = pd.read_csv(folder / "sections.csv")
    text = sections.loc[sections["text"].str.contains("Okinawa", na=False), "text"].iloc[0]
    sentence = next(s for s in re.split(r"(?<=\.)\s+", text) if "Okinawa" in s)
    found = httpx.get(f"{site['base']}/crsdata/sections.json", params={"_search": sentence, "_shape": "array"}, timeout=30).json()
    assert (("IF10199", edition) in {(r["report_id"], r["edition"]) for r in found})
    searched = httpx.get(f"{site['base']}/crsdata/search_text.json", params={"q": "Okinawa", "_shape": "array"}, timeout=30).json()
    assert searched and {r["report_id"] for r in searched} == {"IF10199"}
    assert {"section", "figure"} <= {r["found_in"] for r in searched}
    assert all("[Okinawa" in r["excerpt"] for r in searched)


def test_canned_queries_answer(site):
    figures = httpx.get(f"{site['base']}/crsdata/report_figures.json", params={"report_id": "IF10199", "_shape": "array"}, timeout=30).json()
    assert len(figures) == sum(len(pd.read_csv(site["processed"] / p / "figures.csv")) for p in site["catalog"].loc[site["catalog"]["report_id"] == "IF10199", "path"])
    changes = httpx.get(f"{site['base']}/crsdata/latest_changes.json", params={"_shape": "array"}, timeout=30).json()
    diff = next((site["processed"] / "IF10199" / "diffs").iterdir())
    assert len(changes) == len(pd.read_csv(diff / "changes.csv")) > 0  # IF10199 is the only report with two editions


def test_landing_page_links_serve_the_published_files(site):
    page = httpx.get(f"{site['base']}/", timeout=30).text
    for report_id in site["catalog"]["report_id"]:
        assert f'id="report-{report_id}"' in page
    folder, edition = edition_folder(site, "IF10199")
    links = set(re.findall(r'href="(/files/[^"]+|/originals/[^"]+|/diffs/[^"]+)"', page))
    for name in ("figures.csv", "sections.parquet", "datapackage.json"):
        link = f"/files/IF10199/{edition}/{name}"
        assert link in links
        assert httpx.get(site["base"] + link, timeout=30).content == (folder / name).read_bytes()
    sha = pd.read_csv(folder / "documents.csv")["source_sha256"].iloc[0]
    assert f"/originals/{sha}" in links
    assert httpx.get(f"{site['base']}/originals/{sha}", timeout=30).content == raw_store.object_path(site["raw"], sha).read_bytes()
    assert "/files/all/figures.parquet" in links
    assert httpx.get(f"{site['base']}/files/all/figures.parquet", timeout=30).content == (site["processed"] / "all" / "figures.parquet").read_bytes()
    diff = next((site["processed"] / "IF10199" / "diffs").iterdir())
    assert f"/diffs/IF10199/{diff.name}" in links
    summary = httpx.get(f"{site['base']}/diffs/IF10199/{diff.name}", timeout=30).text
    heading = (diff / "summary.md").read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
    assert f"<h1>{html.escape(heading, quote=False)}</h1>" in summary
    assert "<h2>Figures</h2>" in summary and "<li>" in summary


@pytest.mark.parametrize("path", [
    "/files/../../etc/passwd",
    "/files/%2e%2e/%2e%2e/etc/passwd",
    "/files/IF10199/..%2F..%2F..%2Fetc%2Fpasswd/x",
    "/files/IF10199/2024-11-05/..%2F..%2Fcrsdata.db",
    "/files/IF10199/2024-11-05/figures.csv%00.txt",
    "/files/crsdata.db",
    "/files/.crsdata.db.lock",
    "/files/all/..%2Fcrsdata.db",
    "/files/all/crsdata.db",
    "/files/IF10199/2099-01-01/figures.csv",
    "/files/IF10199/2024-11-05",
    "/files/IF10199/2024-11-05/",
    "/files/IF10199/",
    "/files/",
    "/raw/objects/",
    "//etc/passwd",
    "/diffs/IF10199/..%2F..",
])
def test_paths_outside_the_published_files_are_refused(site, path):
    status, body = raw_get(site, path)
    assert status == 404, (path, status, body[:200])


def test_unpublished_originals_are_refused(site):
    assert raw_store.object_path(site["raw"], site["unpublished"]).exists()
    assert raw_get(site, f"/originals/{site['unpublished']}")[0] == 404


def test_in_chromium_search_open_figures_facet_and_download_csv(site, tmp_path):
    from playwright.sync_api import sync_playwright

    folder, edition = edition_folder(site, "IF10199")
    published = pd.read_csv(folder / "figures.csv")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(accept_downloads=True)
            page.set_default_timeout(30_000)
            page.goto(f"{site['base']}/")
            for report_id in site["catalog"]["report_id"].unique():
                assert page.locator(f"#report-{report_id} .crs-report-id").inner_text() == report_id

            page.fill("#crs-q", "Okinawa")
            page.click("form.crs-search input[type=submit]")
            page.wait_for_url("**/crsdata/search_text?q=Okinawa")
            cells = page.locator("table.rows-and-columns td.col-excerpt").all_inner_texts()
            assert cells and all("Okinawa" in cell for cell in cells)

            page.goto(f"{site['base']}/")
            page.click(f"#report-IF10199 tr.crs-edition[data-edition='{edition}'] a.crs-browse-figures")
            page.wait_for_url(re.compile(r"/crsdata/figures\?.*edition="))
            assert page.locator("h3").first.inner_text().startswith(f"{len(published)} rows")

            facet = page.locator("#facet-kind ul li a").first
            kind = facet.inner_text()
            facet.click()
            page.wait_for_url(re.compile(rf"kind={re.escape(kind)}"))
            page.check("#export input[name=_dl]")
            with page.expect_download() as download_info:
                page.click("#export input[type=submit]")
            download_path = tmp_path / "figures.csv"
            download_info.value.save_as(download_path)
        finally:
            browser.close()
    downloaded = pd.read_csv(download_path)
    expected = published[published["kind"] == kind]
    assert len(downloaded) == len(expected) > 0
    assert set(downloaded["edition"]) == {edition} and set(downloaded["report_id"]) == {"IF10199"}
    assert frame_to_records(downloaded.drop(columns=["rowid", "report_id", "edition"])) == frame_to_records(expected.reset_index(drop=True))


def test_a_port_in_use_is_one_error_line(site):
    result = CliRunner().invoke(cli, ["browse", "--data-dir", str(site["processed"].parent), "--port", str(site["port"])])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: 127.0.0.1:{site['port']}: cannot listen there (")
    assert len(result.output.strip().splitlines()) == 1


def test_ctrl_c_stops_the_server_cleanly(site):
    proc = site["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=STOP_TIMEOUT) == 0
    site["log"].seek(0)
    output = site["log"].read()
    assert output.rstrip().endswith("Stopped.")
    assert "KeyboardInterrupt" not in output
