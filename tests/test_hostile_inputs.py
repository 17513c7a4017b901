"""Hostile inputs: links, names with control characters, documents that failed before, bad files
refused before Prefect starts, a flate bomb under the worker's memory limit, junk by the thousand,
diff pairs given backwards. Real corpus files throughout (copied, linked, cut or renamed here)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from flows.store import raw_store
from flows.cli import cli
from flows.errors import BadInputError, one_line
from flows.pipeline.run_flow import ingest_inputs, result_to_outcome
from flows.settings import Settings
from flows.schedule.sources.folder import find_new_files
from flows.pipeline.workers import Job, extract_job, start_pool
from tests.corpus_paths import FIXTURES, PDF_DIR, SEED_PATH
from tests.hostile_files import FLATE_BOMB, JUNK_KINDS, junk_files

BAD = FIXTURES / "bad"
NO_REPORT_NUMBER = BAD / "no-report-number.txt"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def stored_objects(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "raw" / "objects").glob("*/*"))


def ingest(paths: list[Path], settings: Settings) -> tuple[list, list]:
    """The run's ingest step alone: everything before Prefect starts."""
    reported = []
    todo, outcomes = ingest_inputs(paths, settings, reported.append)
    return todo, outcomes + [o for o in reported if o not in outcomes]


# ---------------------------------------------------------------- one line, always

def test_control_characters_in_subject_and_reason_are_escaped():
    error = BadInputError("report\nname\x1b[31m.txt", "bad\r\nreason\u2028here")
    assert str(error) == "report\\nname\\x1b[31m.txt: bad\\r\\nreason\\u2028here"
    assert len(str(error).splitlines()) == 1
    assert one_line("Résumé — naïve\u00a0text") == "Résumé — naïve\u00a0text"


def test_a_newline_in_a_file_name_does_not_split_the_error_line(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    odd = folder / "memo\nError: forged.txt"
    shutil.copy(NO_REPORT_NUMBER, odd)
    result = invoke("run", str(folder), "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {folder}/memo\\nError: forged.txt: no report number found in the document; pass --report-id"
    ]


# ---------------------------------------------------------------- symbolic links

def test_a_link_to_a_file_outside_is_refused_and_never_stored(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.txt").symlink_to("/etc/passwd")
    (inbox / "report.pdf").symlink_to(PDF_DIR / "IF10753.6.pdf")
    data_dir = tmp_path / "data"
    result = invoke("run", str(inbox / "link.txt"), str(inbox), "--data-dir", str(data_dir))
    assert result.exit_code == 1
    lines = error_lines(result)
    assert lines == [
        f"Error: {inbox / 'link.txt'}: symbolic link refused (it points to /etc/passwd); give the file itself",
        f"Error: {inbox / 'link.txt'}: symbolic link refused (it points to /etc/passwd); give the file itself",
        f"Error: {inbox / 'report.pdf'}: symbolic link refused (it points to {PDF_DIR / 'IF10753.6.pdf'}); give the file itself",
    ]
    assert stored_objects(data_dir) == []
    assert "Processing" not in result.stdout  # refused before Prefect started


def test_a_link_dropped_under_raw_is_refused_by_a_run_without_paths(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    (settings.raw_dir / "inbox").mkdir(parents=True)
    (settings.raw_dir / "inbox" / "passwd.txt").symlink_to("/etc/passwd")
    shutil.copy(PDF_DIR / "IF10753.6.pdf", settings.raw_dir / "inbox" / "IF10753.6.pdf")
    todo, outcomes = ingest([], settings)
    assert [o.name for o in outcomes] == [str(settings.raw_dir / "inbox" / "passwd.txt")]
    assert outcomes[0].reason == "symbolic link refused (it points to /etc/passwd); give the file itself"
    assert [stored.name for stored, _ in todo] == ["IF10753.6.pdf"]
    assert [p.name for p in stored_objects(settings.data_dir)] == [todo[0][0].sha256, todo[0][0].sha256 + ".json"]


def test_a_folder_walk_never_enters_a_linked_folder(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    shutil.copy(SEED_PATH, inbox / "sub" / "seed.txt")
    (inbox / "corpus").symlink_to(PDF_DIR, target_is_directory=True)
    (inbox / "loop").symlink_to(inbox, target_is_directory=True)
    assert raw_store.folder_entries(inbox) == [inbox / "corpus", inbox / "loop", inbox / "sub" / "seed.txt"]
    _, outcomes = ingest([inbox], Settings(data_dir=tmp_path / "data", report_id="IF10199"))
    refused = sorted(o.name for o in outcomes if "symbolic link refused" in o.reason)
    assert refused == [str(inbox / "corpus"), str(inbox / "loop")]


def test_links_inside_the_folder_can_be_allowed_by_a_setting(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "originals").mkdir(parents=True)
    shutil.copy(PDF_DIR / "IF10753.6.pdf", inbox / "originals" / "IF10753.6.pdf")
    (inbox / "latest.pdf").symlink_to(inbox / "originals" / "IF10753.6.pdf")
    (inbox / "outside.pdf").symlink_to(PDF_DIR / "IF10753.7.pdf")
    settings = Settings(data_dir=tmp_path / "data", allow_links_inside=True)
    todo, outcomes = ingest([inbox / "latest.pdf", inbox], settings)
    # given by itself a link is refused even so; inside the folder it is read, and its bytes are
    # the ones of the file it points to (taken once)
    assert [(o.name, o.reason.split(" (")[0]) for o in outcomes] == [
        (str(inbox / "latest.pdf"), "symbolic link refused"),
        (str(inbox / "outside.pdf"), "symbolic link refused"),
    ]
    assert "outside the folder being read" in outcomes[1].reason
    assert len(todo) == 1
    stored, _ = todo[0]
    assert raw_store.stored_metadata(settings.raw_dir, stored.sha256)["source"] == str(inbox / "originals" / "IF10753.6.pdf")


def test_the_folder_source_refuses_links_unless_allowed_inside(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(PDF_DIR / "IF10753.6.pdf", inbox / "IF10753.6.pdf")
    (inbox / "again.pdf").symlink_to(inbox / "IF10753.6.pdf")
    (inbox / "passwd").symlink_to("/etc/passwd")
    raw = tmp_path / "raw"
    found = find_new_files([inbox], raw, max_bytes=10 << 20)
    assert found.local_files == [inbox / "IF10753.6.pdf"]
    assert sorted((f.name, f.reason.split(" (")[0]) for f in found.failures) == [
        (str(inbox / "again.pdf"), "symbolic link refused"), (str(inbox / "passwd"), "symbolic link refused"),
    ]
    allowed = find_new_files([inbox], raw, max_bytes=10 << 20, allow_links_inside=True)
    assert allowed.local_files == [inbox / "IF10753.6.pdf"]  # the link's target, once
    assert [f.name for f in allowed.failures] == [str(inbox / "passwd")]


# ---------------------------------------------------------------- documents that failed before

def test_a_failed_document_is_remembered_and_fails_again_at_once(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    _, first = ingest([NO_REPORT_NUMBER], settings)
    assert [o.reason for o in first] == ["no report number found in the document; pass --report-id"]
    records = raw_store.load_failed_documents(settings.raw_dir)
    sha = raw_store.file_sha256(NO_REPORT_NUMBER)
    assert set(records) == {sha}
    assert records[sha]["name"] == "no-report-number.txt" and records[sha]["pipeline_version"]
    assert records[sha]["reason"] == first[0].reason and records[sha]["failed_at"]

    _, again = ingest([NO_REPORT_NUMBER], settings)
    assert again[0].status == "failed"
    assert again[0].reason.startswith(first[0].reason + " (remembered from ")

    # --report-id changes what the failure depended on: tried again, and it passes the checks
    todo, _ = ingest([NO_REPORT_NUMBER], Settings(data_dir=tmp_path / "data", report_id="IF10199"))
    assert [stored.sha256 for stored, _ in todo] == [sha]
    assert raw_store.load_failed_documents(settings.raw_dir) == {}


def test_a_worker_failure_is_remembered_and_not_requeued_by_a_run_without_paths(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    todo, _ = ingest([BAD / "scanned.pdf"], settings)  # passes the cheap checks: the parser finds no text
    (stored, name), = todo
    from flows.pipeline.run_flow import job_for

    result = extract_job(job_for(stored, name, settings, None))
    outcome = result_to_outcome(result, settings)
    assert (outcome.status, outcome.reason) == ("failed", "no text layer (scanned PDF?)")
    assert raw_store.load_failed_documents(settings.raw_dir)[stored.sha256]["reason"] == "no text layer (scanned PDF?)"

    reported = []
    todo, outcomes = ingest_inputs([], settings, reported.append)
    assert todo == []
    assert [(o.status, o.name) for o in outcomes] == [("skipped", "scanned.pdf")]  # the stored original's name
    assert len(reported) == 1 and reported[0].status == "skipped" and reported[0].name.startswith("1 document(s) that failed before")

    forced, _ = ingest([], Settings(data_dir=tmp_path / "data", force=True))
    assert [s.sha256 for s, _ in forced] == [stored.sha256]
    assert raw_store.load_failed_documents(settings.raw_dir) == {}  # retried: the record is gone until it fails again


def test_a_new_pipeline_version_retries_what_failed_before(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    ingest([BAD / "scanned.pdf"], settings)
    todo, _ = ingest([BAD / "scanned.pdf"], settings)
    (stored, name), = todo
    result_to_outcome(extract_job(Job(stored.sha256, str(stored.path), name, None, None, 400, 600)), settings)
    assert ingest([], settings)[0] == []
    state = settings.raw_dir / raw_store.FAILED_DOCUMENTS
    records = json.loads(state.read_text())
    records[stored.sha256]["pipeline_version"] = "0.0.1"   # as an older pipeline wrote it
    state.write_text(json.dumps(records))
    assert [s.sha256 for s, _ in ingest([], settings)[0]] == [stored.sha256]


# ---------------------------------------------------------------- checks before Prefect

@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "empty file"),
    ("encrypted.pdf", "encrypted PDF: save an unencrypted copy and try again"),
    ("truncated.pdf", "corrupt or truncated PDF"),
    ("random-bytes.pdf", "not a PDF: the file has a .pdf name but no %PDF header"),
    ("not-crs.html", "not a CRS product page"),
    ("no-report-number.txt", "no report number found in the document; pass --report-id"),
])
def test_bad_files_fail_in_ingest_and_are_not_stored(tmp_path, name, reason):
    settings = Settings(data_dir=tmp_path / "data")
    todo, outcomes = ingest([BAD / name], settings)
    assert todo == []
    assert len(outcomes) == 1 and reason in outcomes[0].reason and outcomes[0].name == str(BAD / name)
    assert stored_objects(settings.data_dir) == []


def test_a_report_number_from_the_option_or_the_file_name_passes_the_checks(tmp_path):
    named = tmp_path / "IF10199-memo.txt"
    shutil.copy(NO_REPORT_NUMBER, named)
    assert len(ingest([named], Settings(data_dir=tmp_path / "a"))[0]) == 1
    assert len(ingest([SEED_PATH], Settings(data_dir=tmp_path / "b", report_id="IF10199"))[0]) == 1


def test_two_thousand_junk_files_get_one_error_line_each(tmp_path):
    folder = junk_files(tmp_path / "junk", 2000)
    result = invoke("run", str(folder), "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 2000 == len(set(lines))
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert len(result.stderr.splitlines()) == 2000
    assert "Processing" not in result.stdout  # every one refused before Prefect
    assert "Summary: 0 published, 0 unchanged, 2000 failed" in result.stdout
    reasons = {line.split(": ", 2)[2].split(" (")[0] for line in lines}
    assert len(reasons) >= len(JUNK_KINDS)


# ---------------------------------------------------------------- memory per worker

def test_a_flate_bomb_runs_out_of_the_workers_memory_limit_alone():
    pool = start_pool(1, None)
    try:
        def job(path: Path) -> Job:
            return Job(raw_store.file_sha256(path), str(path), path.name, None, None, 400, 600, 512)

        bomb = pool.submit(extract_job, job(FLATE_BOMB)).result()
        good = pool.submit(extract_job, job(PDF_DIR / "IF10753.6.pdf")).result()
    finally:
        pool.shutdown()
    assert (bomb.outcome.status, bomb.outcome.reason) == ("failed", "ran out of memory (limit 512 MB); raise --max-memory")
    assert good.outcome.status == "extracted" and good.extracted.identity.report_id == "IF10753"
    assert bomb.outcome.worker_pid == good.outcome.worker_pid  # the same worker, still usable after the bomb


# ---------------------------------------------------------------- one run with Prefect

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One run: the flate bomb beside two real editions of IF10753."""
    data_dir = tmp_path_factory.mktemp("data")
    result = invoke("run", str(FLATE_BOMB), str(PDF_DIR / "IF10753.6.pdf"), str(PDF_DIR / "IF10753.7.pdf"), "--data-dir", str(data_dir))
    return data_dir, result


def test_the_bomb_fails_alone_and_the_other_documents_publish(store):
    data_dir, result = store
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: {FLATE_BOMB}: ran out of memory (limit {Settings.max_memory_mb} MB); raise --max-memory"]
    assert "Summary: 2 published, 0 unchanged, 1 failed" in result.stdout
    assert sorted(p.name for p in (data_dir / "processed" / "IF10753").iterdir() if not p.name.startswith(".")) == ["2026-04-20.v6", "2026-04-23.v7", "diffs", "history"]


def test_a_diff_asked_backwards_is_refused_and_publishes_nothing_new(store):
    data_dir, _ = store
    diffs = data_dir / "processed" / "IF10753" / "diffs"
    assert [p.name for p in diffs.iterdir()] == ["2026-04-20.v6__2026-04-23.v7"]
    backwards = invoke("diff", "IF10753", "--from", "2026-04-23.v7", "--to", "2026-04-20.v6", "--data-dir", str(data_dir))
    assert backwards.exit_code == 1
    assert backwards.stderr.strip() == (
        "Error: IF10753 2026-04-23.v7: --from is newer than --to (2026-04-20.v6); a diff goes from the older "
        "edition to the newer: --from 2026-04-20.v6 --to 2026-04-23.v7"
    )
    assert [p.name for p in diffs.iterdir()] == ["2026-04-20.v6__2026-04-23.v7"]
    forwards = invoke("diff", "IF10753", "--from", "2026-04-20.v6", "--to", "2026-04-23.v7", "--data-dir", str(data_dir))
    assert forwards.exit_code == 0 and [p.name for p in diffs.iterdir()] == ["2026-04-20.v6__2026-04-23.v7"]


def test_a_run_without_paths_does_not_requeue_the_bomb(store):
    data_dir, _ = store
    again = invoke("run", "--data-dir", str(data_dir))
    assert again.exit_code == 0, again.output
    assert "Processing" not in again.stdout
    assert "skipped  1 document(s) that failed before" in again.stdout
    explicit = invoke("run", str(FLATE_BOMB), "--data-dir", str(data_dir))
    assert explicit.exit_code == 1 and "Processing" not in explicit.stdout
    assert "ran out of memory" in explicit.stderr and "(remembered from " in explicit.stderr
