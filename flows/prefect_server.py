"""One Prefect server per data folder, shared by every crsdata process that uses that folder.

Why not Prefect's temporary server: it keeps every run in ~/.prefect (shared with any other software
of the user), gives up after 20 s on a busy machine with a 60-line traceback, and outlives a parent
killed with ``kill -9``. Here `run`, `poll` and `serve` of one data folder keep their history in
``<data-dir>/.prefect/prefect.db``, concurrent runs share one server (no second start, no second
database migration), start-up gets a timeout that fits a busy machine and one retry, and no server
outlives the last process that needed it.

How: every client holds a shared ``flock`` on ``.prefect/clients.lock`` while it needs the API. The
server is started by a small supervisor (``python -m flows.prefect_server supervise``) in a session of
its own, so that a Ctrl-C meant for one run does not stop the server under another. The supervisor
stops the server as soon as it can take the clients lock exclusively, that is when no client is left;
the kernel drops the lock of a client that dies, however it dies.

A run does not wait for the server idly: it forks its workers and starts extracting while the server
boots (``while_starting``). A new folder's database is copied from a migrated, empty one kept per user
and Prefect version (``template_database``), so only the machine's very first start pays the migration.

With ``PREFECT_API_URL`` set, that server is used instead and nothing is started.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flows.errors import CrsdataError
from flows.store.locking import exclusive_lock, shared_lock
from flows.pipeline.processes import die_with_parent, pid_is_alive

START_TIMEOUT_SECONDS = 180.0    # a first start migrates the database: ~25 s on a loaded 2-core machine
START_ATTEMPTS = 2
SUPERVISOR_POLL_SECONDS = 0.5
SERVER_STOP_GRACE_SECONDS = 2.0


class PrefectUnavailableError(CrsdataError):
    """The Prefect server could not be started or reached."""


@dataclass(frozen=True)
class PrefectApi:
    url: str                  # ends in /api
    home: Path | None         # None when the server is the user's own (PREFECT_API_URL)

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")


@dataclass(frozen=True)
class PrefectHome:
    path: Path

    @property
    def clients_lock(self) -> Path:
        return self.path / "clients.lock"

    @property
    def start_lock(self) -> Path:
        return self.path / "start.lock"

    @property
    def state_file(self) -> Path:
        return self.path / "server.json"

    @property
    def log_file(self) -> Path:
        return self.path / "server.log"

    @property
    def database(self) -> Path:
        return self.path / "prefect.db"


def home_for(data_dir: Path) -> PrefectHome:
    return PrefectHome(Path(data_dir) / ".prefect")


def server_environment(home: PrefectHome, port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home.path),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home.database}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_UI_API_URL": url,          # the UI must call this server, not the default port 4200
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url + "/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def read_state(home: PrefectHome) -> dict | None:
    try:
        return json.loads(home.state_file.read_text())
    except (OSError, ValueError):
        return None


def last_log_line(home: PrefectHome) -> str:
    try:
        lines = [line for line in home.log_file.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    return lines[-1][:200] if lines else "no output"


def start_supervisor(home: PrefectHome, port: int) -> subprocess.Popen:
    log = open(home.log_file, "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "flows.prefect_server", "supervise", str(home.path), str(port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    finally:
        log.close()


def stop_process_group(process: subprocess.Popen, grace: float = SERVER_STOP_GRACE_SECONDS) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def wait_until_healthy(url: str, supervisor: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.poll() is not None:
            return False
        if is_healthy(url):
            return True
        time.sleep(0.3)
    return False


def template_database() -> Path:
    """A migrated, empty Prefect database for this Prefect version, kept per user: the first start of a
    folder's server migrates its database from nothing (~7 s of the 11 s a first start takes on the
    quiet 2-core machine; every later start takes ~4 s), and a new folder copied from this starts like
    an old one."""
    from importlib.metadata import version

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "crsdata" / f"prefect-{version('prefect')}.db"


def database_from_template(home: PrefectHome) -> bool:
    """A new home's database, copied from the template when there is one (in one rename)."""
    template = template_database()
    if home.database.exists() or not template.is_file():
        return False
    staging = home.path / f".prefect.db.{os.getpid()}"
    try:
        shutil.copyfile(template, staging)
        os.replace(staging, home.database)
    except OSError:  # a template only saves time; the server migrates a database of its own
        staging.unlink(missing_ok=True)
        return False
    return True


def save_template(home: PrefectHome) -> None:
    """The database a server has just migrated from nothing, as the template (sqlite's backup API
    copies a consistent state while the server holds it open)."""
    template = template_database()
    staging = template.with_name(f".{template.name}.{os.getpid()}")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(home.database)) as source, contextlib.closing(sqlite3.connect(staging)) as copy:
            source.backup(copy)
        os.replace(staging, template)
    except (OSError, sqlite3.Error):  # not writable, or the server went away: the next first start tries again
        staging.unlink(missing_ok=True)


def ensure_server(home: PrefectHome, timeout: float = START_TIMEOUT_SECONDS,
                  while_starting: Callable[[], None] | None = None) -> str:
    """The URL of this home's server, started if none answers. Call with the clients lock held.

    ``while_starting`` runs once, while a server that had to be started boots (4 s with its database,
    11 s for a first start that migrates it), or right away when one already answers: `crsdata run`
    forks its workers and starts extracting meanwhile, since extraction needs no API."""
    pending = while_starting
    with exclusive_lock(home.start_lock):
        state = read_state(home)
        url = state["url"] if state and is_healthy(state["url"]) else None
        migrates = not url and not home.database.exists() and not database_from_template(home)
        for _ in range(0 if url else START_ATTEMPTS):
            port = free_port()
            candidate = f"http://127.0.0.1:{port}/api"
            supervisor = start_supervisor(home, port)
            if pending is not None:
                try:
                    pending()
                except BaseException:
                    stop_process_group(supervisor)
                    raise
                pending = None
            if wait_until_healthy(candidate, supervisor, timeout):
                url = candidate
                state = {"url": url, "supervisor_pid": supervisor.pid, "database": str(home.database)}
                home.state_file.write_text(json.dumps(state, indent=2))
                if migrates:
                    save_template(home)
                break
            stop_process_group(supervisor)
        if url is None:
            raise PrefectUnavailableError(
                "prefect server", f"did not start within {timeout:.0f} s ({START_ATTEMPTS} tries): {last_log_line(home)} "
                                  f"(log: {home.log_file})")
    if pending is not None:  # the server was already up: not under the start lock, which others wait on
        pending()
    return url


@contextlib.contextmanager
def prefect_api(data_dir: Path, while_starting: Callable[[], None] | None = None) -> Iterator[PrefectApi]:
    """The Prefect API for a data folder, for as long as the block runs (see the module's docstring);
    ``while_starting`` runs once before the block, overlapping the server's start (see ensure_server).
    Prefect itself (1-2 s of imports) is imported only once the server process is on its way."""
    external = os.environ.get("PREFECT_API_URL")
    if external:
        if while_starting is not None:
            while_starting()
        yield PrefectApi(external, None)
        return
    home = home_for(data_dir)
    try:
        home.path.mkdir(parents=True, exist_ok=True)
        probe = home.path / ".writable"
        probe.touch()
    except OSError as exc:
        raise PrefectUnavailableError(str(home.path), f"cannot write Prefect's folder ({exc.strerror})") from None
    with shared_lock(home.clients_lock):
        url = ensure_server(home, while_starting=while_starting)
        from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_HOME: str(home.path)}):
            try:
                yield PrefectApi(url, home.path)
            finally:
                send_pending_logs()  # before the lock goes and the server with it


def send_pending_logs() -> None:
    """Run logs are sent in the background; send what is queued while the server still answers."""
    from prefect.logging.handlers import APILogWorker

    try:
        APILogWorker.drain_all(timeout=10)
    except Exception:  # nothing to send, or the worker never started: nothing lost that matters
        pass


# --- the supervisor process -------------------------------------------------------------------------

def no_clients_left(home: PrefectHome) -> int | None:
    """An fd holding the clients lock exclusively (so no client can arrive), or None if a client is there."""
    fd = os.open(home.clients_lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def supervise(home: PrefectHome, port: int) -> int:
    """Run `prefect server start` until no client holds the clients lock, then stop it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=server_environment(home, port), stdin=subprocess.DEVNULL,
        preexec_fn=lambda: die_with_parent(signal.SIGTERM),
    )

    def stop(signum=None, frame=None):
        server.terminate()
        try:
            server.wait(SERVER_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        state = read_state(home)
        if state and state.get("supervisor_pid") == os.getpid():
            home.state_file.unlink(missing_ok=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while server.poll() is None:
        time.sleep(SUPERVISOR_POLL_SECONDS)
        if no_clients_left(home) is not None:  # the fd stays open (and locked) until this process exits
            stop()
    stop()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "supervise":
        return supervise(PrefectHome(Path(argv[1])), int(argv[2]))
    print("usage: python -m flows.prefect_server supervise HOME PORT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# --- the history of runs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunRecord:
    name: str
    flow: str
    state: str
    started: str
    seconds: float | None
    summary: str          # the run's summary artifact, first line


def recent_runs(data_dir: Path, limit: int = 20) -> tuple[PrefectApi, list[RunRecord]]:
    """The newest flow runs recorded for this data folder (its own Prefect server, or PREFECT_API_URL's)."""
    import asyncio

    with prefect_api(data_dir) as api:
        asyncio.run(mark_dead_runs_crashed())
        return api, asyncio.run(_read_runs(limit))


def owner_tags() -> list[str]:
    """Tags a flow run carries so that a later process can tell whether its owner is still alive."""
    return [f"crsdata-pid:{os.getpid()}", f"crsdata-host:{socket.gethostname()}"]


async def mark_dead_runs_crashed() -> int:
    """Runs left 'Running' by a process that was killed (kill -9, power loss) are marked Crashed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    marked = 0
    async with get_client() as client:
        running = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))))
        for run in running:
            if owner_is_gone(run.tags):
                await client.set_flow_run_state(run.id, Crashed(message="the crsdata process running it died"), force=True)
                marked += 1
    return marked


def owner_is_gone(tags: list[str]) -> bool:
    """True when the run's owner (see owner_tags) ran on this host and its process is dead."""
    if f"crsdata-host:{socket.gethostname()}" not in tags:
        return False
    pids = [t.split(":", 1)[1] for t in tags if t.startswith("crsdata-pid:")]
    return bool(pids) and pids[0].isdigit() and not pid_is_alive(int(pids[0]))


async def _read_runs(limit: int) -> list[RunRecord]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, ArtifactFilterFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as client:
        runs = await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=limit)
        flows = {f.id: f.name for f in await client.read_flows()} if runs else {}
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["crsdata-run-summary"]),
            flow_run_id=ArtifactFilterFlowRunId(any_=[r.id for r in runs]))) if runs else []
    summaries = {a.flow_run_id: str(a.data).splitlines()[2] if len(str(a.data).splitlines()) > 2 else "" for a in artifacts}
    return [
        RunRecord(r.name, flows.get(r.flow_id, ""), r.state.name if r.state else "", 
                  r.start_time.strftime("%Y-%m-%d %H:%M:%S") if r.start_time else "",
                  r.total_run_time.total_seconds() if r.total_run_time else None, summaries.get(r.id, ""))
        for r in runs
    ]
