"""Scale-out on Prefect's own machinery: a Prefect server, a process work pool, `prefect worker start`
on each machine.

`crsdata deploy --pool POOL` registers two deployments on the server named by PREFECT_API_URL: the
batch flow (process these raw-store originals, publish them) and the scheduled poll. `crsdata run
--pool POOL` ingests its inputs into the raw store as a local run does (what is published is
`unchanged` without touching Prefect), submits one flow run per batch and waits, then reads what
happened from the store and the batches' artifacts: a document of a batch whose worker died is
submitted once more, then reported as failed.
"""
from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
from collections.abc import Callable

import flows.prefect_env  # noqa: F401  (settings before prefect is imported)
from prefect import flow, get_run_logger

from flows.errors import CrsdataError

BATCH_FLOW = "crsdata-batch"
BATCH_DEPLOYMENT = "crsdata-batch"
OUTCOMES_ARTIFACT = "crsdata-batch-outcomes"
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
POLL_SECONDS = 2.0


class PoolError(CrsdataError):
    """The Prefect server, work pool or deployment needed for a pool run is not usable."""


@flow(name=BATCH_FLOW, log_prints=False, validate_parameters=False)
def process_batch(data_dir: str, sha256s: list[str], report_id: str | None = None, force: bool = False,
                  spacy_model: str | None = None, max_pages: int = 400, timeout_seconds: int = 600) -> dict:
    """Extract and publish these raw-store originals (run by a worker of the pool)."""
    from prefect.artifacts import create_table_artifact
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    from flows.pipeline.document_flow import run_jobs
    from flows.prefect_server import owner_tags

    with get_client(sync_client=True) as client:  # so that the submitter can tell when this process dies
        client.update_flow_run(flow_run.id, tags=[*flow_run.tags, *owner_tags()])
    from flows.pipeline.run_flow import stored_jobs
    from flows.settings import Settings

    from flows.outcome import count_statuses
    from flows.store import remote

    settings = Settings(data_dir=data_dir, workers=1, force=force, max_pages=max_pages,
                        timeout_seconds=timeout_seconds, **({"spacy_model": spacy_model} if spacy_model else {}))
    store = remote.store_of(settings)
    if store is not None:  # this machine's mirror gets the batch's originals from the store
        remote.pull_originals(store, sha256s)
    jobs = stored_jobs(sha256s, settings, report_id)
    outcomes = run_jobs(jobs, settings, report=lambda outcome: None) if jobs else []
    if store is not None:
        remote.write_remote_catalog(store)
    rows = [{"sha256": job.sha256, "name": o.name, "status": o.status, "reason": o.reason, "report_id": o.report_id,
             "edition": o.edition, "pages": o.pages, "seconds": round(o.seconds, 2)} for job, o in zip(jobs, outcomes)]
    create_table_artifact(key=OUTCOMES_ARTIFACT, table=rows or [{"sha256": "", "status": "none"}],
                          description="Each document of this batch: status and reason")
    counts = count_statuses(outcomes, ("published", "republished", "unchanged", "failed"))
    get_run_logger().info("Batch of %d: %s", len(sha256s), ", ".join(f"{n} {s}" for s, n in counts.items()))
    return counts


def require_server() -> str:
    import os

    url = os.environ.get("PREFECT_API_URL")
    if not url:
        raise PoolError("PREFECT_API_URL", "not set: name the Prefect server the pool's workers use "
                                           "(e.g. export PREFECT_API_URL=http://127.0.0.1:4200/api)")
    return url


def deploy(pool: str, data_dir: str, cron: str, config_path: str | None = None, overrides: dict | None = None) -> list[str]:
    """Create or update the batch and poll deployments of `pool` (idempotent). Returns their names."""
    from prefect import deploy as prefect_deploy
    from prefect.deployments.runner import EntrypointType
    from prefect.exceptions import ObjectNotFound

    from flows.schedule.serve import DEPLOYMENT_NAME, FLOW_NAME, scheduled_poll

    require_server()
    batch = process_batch.to_deployment(name=BATCH_DEPLOYMENT, entrypoint_type=EntrypointType.MODULE_PATH,
                                        parameters={"data_dir": data_dir, "sha256s": []})
    poll = scheduled_poll.to_deployment(name=DEPLOYMENT_NAME, entrypoint_type=EntrypointType.MODULE_PATH, cron=cron,
                                        parameters={"config_path": config_path, "overrides": overrides or {"data_dir": data_dir}})
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Prefect's own tables and advice; we say what was deployed
            prefect_deploy(batch, poll, work_pool_name=pool, build=False, push=False, print_next_steps_message=False,
                           ignore_warnings=True)
    except ObjectNotFound:
        raise PoolError(pool, f"no such work pool on the server (create it: prefect work-pool create {pool} --type process)") from None
    except ValueError as exc:
        raise PoolError(pool, str(exc)) from None
    return [f"{BATCH_FLOW}/{BATCH_DEPLOYMENT}", f"{FLOW_NAME}/{DEPLOYMENT_NAME}"]


def batches_of(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


async def submit(batches: list[list[str]], settings, report_id: str | None, attempt: int) -> list:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    async with get_client() as client:
        runs = []
        for index, shas in enumerate(batches):
            parameters = {"data_dir": settings.location, "sha256s": shas, "report_id": report_id, "force": settings.force,
                          "spacy_model": settings.spacy_model, "max_pages": settings.max_pages,
                          "timeout_seconds": settings.timeout_seconds}
            runs.append(await run_deployment(f"{BATCH_FLOW}/{BATCH_DEPLOYMENT}", client=client, parameters=parameters,
                                             timeout=0, as_subflow=False, flow_run_name=f"batch {attempt}.{index + 1}"))
        return runs


async def wait_for(runs: list, progress: Callable[[int, int], None], timeout: float) -> list:
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    from flows.prefect_server import owner_is_gone

    deadline = time.monotonic() + timeout
    ids, shown = [r.id for r in runs], None
    async with get_client() as client:
        while True:
            current = [await client.read_flow_run(i) for i in ids]
            for run in current:
                if run.state and run.state.type.value == "RUNNING" and owner_is_gone(run.tags):
                    await client.set_flow_run_state(run.id, Crashed(message="the worker running this batch died"), force=True)
            done = sum(1 for r in current if r.state and r.state.type.value in FINAL_STATES)
            if (done, len(current)) != shown:
                shown = (done, len(current))
                progress(done, len(current))
            if done == len(current):
                return current
            if time.monotonic() > deadline:
                for run in current:
                    if not (run.state and run.state.type.value in FINAL_STATES):
                        await client.set_flow_run_state(run.id, Crashed(message="batch timed out"), force=True)
                return [await client.read_flow_run(i) for i in ids]
            await asyncio.sleep(POLL_SECONDS)


async def batch_outcomes(runs: list) -> dict[str, dict]:
    """sha256 -> the outcome row its batch recorded (only batches that got that far)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    async with get_client() as client:
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[OUTCOMES_ARTIFACT]), flow_run_id=ArtifactFilterFlowRunId(any_=[r.id for r in runs])))
    rows: dict[str, dict] = {}
    for artifact in artifacts:
        data = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
        rows.update({row["sha256"]: row for row in data if row.get("sha256")})
    return rows


def run_on_pool(todo: list, settings, *, batch_size: int, report_id: str | None, report: Callable,
                announce: Callable[[str], None], batch_timeout: float) -> list:
    """Submit `todo` (stored originals with their names) in batches, wait, resubmit once what a dead
    worker lost; one Outcome per document, as a local run gives."""
    from flows.outcome import Outcome

    require_server()
    names = {stored.sha256: name for stored, name in todo}
    pending = list(names)
    outcomes: dict[str, Outcome] = {}
    lost_in: dict[str, str] = {}
    for attempt in (1, 2):
        if not pending:
            break
        batches = batches_of(pending, batch_size)
        announce(f"Submitting {len(pending)} document(s) in {len(batches)} batch(es) of up to {batch_size} to the pool"
                 + (" (again: their worker died)" if attempt == 2 else "") + "...")
        runs = asyncio.run(submit(batches, settings, report_id, attempt))
        finished = asyncio.run(wait_for(runs, lambda done, total: announce(f"  batches done: {done}/{total}"), batch_timeout))
        rows = asyncio.run(batch_outcomes(finished))
        pending = []
        for run, shas in zip(finished, batches):
            for sha in shas:
                row = rows.get(sha)
                if row is None:
                    lost_in[sha] = f"flow run {run.name} {run.state.name if run.state else 'lost'}"
                    pending.append(sha)
                    continue
                outcome = Outcome(names[sha], row["status"], row.get("reason") or "", row.get("report_id") or "",
                                  row.get("edition") or "", float(row.get("seconds") or 0), int(row.get("pages") or 0))
                outcomes[sha] = outcome
                report(outcome)
    for sha in pending:
        outcome = Outcome(names[sha], "failed", f"not processed: {lost_in[sha]} twice")
        outcomes[sha] = outcome
        report(outcome)
    return [outcomes[sha] for sha in names]
