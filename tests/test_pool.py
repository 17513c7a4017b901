"""Scale-out on Prefect's machinery: a Prefect server (the session's, named by PREFECT_API_URL), a
process work pool, two `prefect worker start` processes, `crsdata deploy`, `crsdata run --pool`.

The datasets a pool run publishes equal a local run's; a worker killed while it runs a batch
loses nothing: its documents are submitted once more and published by the other worker.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from flows.store.publish import edition_folders
from schemas import DATASETS
from tests.corpus_paths import PDF_DIR
from tests.processes import CRSDATA, start_crsdata
from tests.test_crash_safety import assert_store_consistent

PREFECT = Path(sys.executable).with_name("prefect")
DOCUMENTS = ["IF10753.6.pdf", "IF10753.7.pdf", "IN12682.2.pdf", "IN12614.3.pdf",
             "LSB11418.1.pdf", "IF12155.pdf", "IF11175.11.pdf", "IF13199v1-section-122-of-the-trade-act-of-1974.pdf"]


def pool_environment() -> dict[str, str]:
    # Workers look for work every 2 s instead of 10, so the test does not wait on their polling.
    return {**os.environ, "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "0"}


@pytest.fixture()
def pool(tmp_path, s3_endpoint):  # the workers inherit the local S3 endpoint's variables from the start
    name = f"crsdata-test-{uuid.uuid4().hex[:8]}"
    env = pool_environment()
    subprocess.run([str(PREFECT), "work-pool", "create", name, "--type", "process"], env=env, check=True,
                   capture_output=True, timeout=120)
    workers = [subprocess.Popen([str(PREFECT), "worker", "start", "--pool", name, "--limit", "1", "--name", f"w{i}"],
                                env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True) for i in (1, 2)]
    try:
        # Both workers polling before any batch is submitted: on a busy machine a worker can take
        # long to start, and one worker alone would run every batch one after the other.
        deadline = time.monotonic() + 300
        while asyncio.run(workers_online(name)) < 2:
            assert time.monotonic() < deadline, "the two workers did not come online"
            time.sleep(1)
        yield name, workers
    finally:
        for worker in workers:
            try:
                os.killpg(worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            worker.wait(30)


def datasets_of(data_dir: Path) -> dict[tuple[str, str, str], str]:
    return {(f.parent.name, f.name, name): (f / f"{name}.csv").read_text(encoding="utf-8")
            for f in edition_folders(data_dir / "processed") for name in DATASETS}


def deploy_and_run(tmp_path, pool_name: str, data_dir: Path) -> subprocess.Popen:
    env = pool_environment()
    deployed = subprocess.run([str(CRSDATA), "deploy", "--pool", pool_name, "--data-dir", str(data_dir)],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert deployed.returncode == 0, deployed.stderr
    assert "deployed  crsdata-batch/crsdata-batch" in deployed.stdout
    paths = [str(PDF_DIR / name) for name in DOCUMENTS]
    return start_crsdata("run", *paths, "--pool", pool_name, "--batch-size", "2", "--data-dir", str(data_dir),
                         cwd=tmp_path, env=env)


def test_a_pool_run_publishes_what_a_local_run_does(tmp_path, pool):
    pool_name, _ = pool
    data_dir = tmp_path / "pool-data"
    run = deploy_and_run(tmp_path, pool_name, data_dir)
    output, _ = run.communicate(timeout=1500)
    assert run.returncode == 0, output
    assert "batches done: 4/4" in output and "Summary: 8 published, 0 unchanged, 0 failed" in output, output
    catalog = assert_store_consistent(data_dir)
    assert len(catalog) == len(DOCUMENTS)
    runs = asyncio.run(finished_batches(pool_name))
    assert len(runs) == 4 and len({r.infrastructure_pid for r in runs}) == 4
    assert any(a.start_time < b.end_time and b.start_time < a.end_time for a in runs for b in runs if a is not b), \
        "no two batches ran at the same time"

    local = tmp_path / "local-data"
    here = start_crsdata("run", *[str(PDF_DIR / n) for n in DOCUMENTS], "--data-dir", str(local), cwd=tmp_path,
                         env={**os.environ})
    local_output, _ = here.communicate(timeout=1500)
    assert here.returncode == 0, local_output
    assert datasets_of(data_dir) == datasets_of(local)


async def workers_online(pool_name: str) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import WorkerStatus

    async with get_client() as client:
        workers = await client.read_workers_for_work_pool(pool_name)
    return sum(w.status == WorkerStatus.ONLINE for w in workers)


async def finished_batches(pool_name: str):
    """The pool's completed flow runs (batches), with their start and end times."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType, WorkPoolFilter, WorkPoolFilterName
    from prefect.client.schemas.objects import StateType

    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))),
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool_name])))


async def running_batch(pool_name: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType

    async with get_client() as client:
        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))))
    return [r for r in runs if r.work_pool_name == pool_name and r.infrastructure_pid]


@pytest.mark.parametrize("store", ["folder", "s3"])
def test_a_worker_killed_mid_batch_loses_no_document(tmp_path, store, request, pool):
    pool_name, workers = pool
    if store == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        data_dir, root = f"s3://{bucket}/store", f"{bucket}/store"
    else:
        data_dir = tmp_path / "data"
    run = deploy_and_run(tmp_path, pool_name, data_dir)
    deadline, running = time.monotonic() + 600, []
    while time.monotonic() < deadline and not running:
        running = asyncio.run(running_batch(pool_name))
        time.sleep(0 if running else 1)
    assert running, "no batch started"
    victim_pid = int(running[0].infrastructure_pid.rpartition(":")[2])
    group = os.getpgid(victim_pid)
    os.kill(victim_pid, signal.SIGKILL)  # the batch's process dies mid-run...
    for worker in workers:                # ...and so does the worker that started it
        if worker.pid == group:
            os.killpg(group, signal.SIGKILL)
    output, _ = run.communicate(timeout=1500)
    assert run.returncode == 0, output
    if store == "s3":
        import s3fs

        from tests.test_remote_store import remote_catalog, remote_editions

        fs = s3fs.S3FileSystem()
        editions, catalog = remote_editions(fs, root), remote_catalog(fs, root)
        assert len(editions) == len(DOCUMENTS) and sorted(catalog["path"]) == sorted(editions), output
    else:
        catalog = assert_store_consistent(data_dir)
        assert len(catalog) == len(DOCUMENTS), output


def test_a_pool_run_into_s3_publishes_each_edition_once(tmp_path, s3_bucket, pool):
    """Workers publish into a store on object storage (a local S3 endpoint): each worker's mirror
    gets the batch's originals from the store and sends its editions there."""
    import s3fs

    from tests.test_remote_store import remote_catalog, remote_editions

    pool_name, _ = pool
    url, root = f"s3://{s3_bucket}/store", f"{s3_bucket}/store"
    documents = DOCUMENTS[:4]
    env = pool_environment()
    deployed = subprocess.run([str(CRSDATA), "deploy", "--pool", pool_name, "--data-dir", url],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert deployed.returncode == 0, deployed.stderr
    assert f"data folder {url}" in deployed.stdout
    run = start_crsdata("run", *[str(PDF_DIR / n) for n in documents], "--pool", pool_name, "--batch-size", "2",
                        "--data-dir", url, cwd=tmp_path, env=env)
    output, _ = run.communicate(timeout=1500)
    assert run.returncode == 0, output
    assert "Summary: 4 published, 0 unchanged, 0 failed" in output, output
    fs = s3fs.S3FileSystem()
    editions = remote_editions(fs, root)
    catalog = remote_catalog(fs, root)
    assert len(editions) == len(documents) and sorted(catalog["path"]) == sorted(editions)

    local = tmp_path / "local-data"
    here = start_crsdata("run", *[str(PDF_DIR / n) for n in documents], "--data-dir", str(local), cwd=tmp_path,
                         env={**os.environ})
    local_output, _ = here.communicate(timeout=1500)
    assert here.returncode == 0, local_output
    for (report_id, edition, name), text in datasets_of(local).items():
        assert fs.cat_file(f"{root}/processed/{report_id}/{edition}/{name}.csv").decode("utf-8") == text
