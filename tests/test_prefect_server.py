"""A data folder's own Prefect server (flows.prefect_server): the work a run hands to ``while_starting``
overlaps the server's start, a failure in that work leaves no server behind, and a new folder's
database starts as a copy of the first migrated one."""
from __future__ import annotations

import sqlite3

import pytest

from flows.prefect_server import database_from_template, home_for, is_healthy, prefect_api, read_state, template_database
from tests.processes import wait_until_gone


@pytest.fixture
def own_server(monkeypatch):
    """As a user's shell has it: no PREFECT_API_URL, so the folder's own server is started."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def test_work_given_while_starting_runs_once_before_the_server_answers(own_server, tmp_path):
    seen = []
    home = home_for(tmp_path)
    # the state file is written only once the new server answers, so its absence dates the call
    with prefect_api(tmp_path, while_starting=lambda: seen.append(home.state_file.exists())) as api:
        assert seen == [False]
        assert is_healthy(api.url)
        state = read_state(home)
        # a second client of the same folder finds the server up and runs its work right away, once
        with prefect_api(tmp_path, while_starting=lambda: seen.append(is_healthy(state["url"]))) as again:
            assert again.url == api.url
        assert seen == [False, True]
    assert wait_until_gone(tmp_path, timeout=60) == []


def test_a_failure_while_starting_stops_the_server_being_started(own_server, tmp_path):
    def fail():
        raise RuntimeError("the workers could not start")

    with pytest.raises(RuntimeError, match="could not start"):
        with prefect_api(tmp_path, while_starting=fail):
            pass
    assert read_state(home_for(tmp_path)) is None
    assert wait_until_gone(tmp_path, timeout=60) == []


def test_with_a_named_server_the_work_runs_once_and_nothing_starts(prefect_server, tmp_path):
    seen = []
    with prefect_api(tmp_path, while_starting=lambda: seen.append("ran")) as api:
        assert api.url == prefect_server.url
    assert seen == ["ran"]
    assert not home_for(tmp_path).path.exists()


def test_a_first_start_keeps_its_migrated_database_as_the_template_of_new_folders(own_server, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    template = template_database()
    assert not template.exists()
    with prefect_api(tmp_path / "first"):
        pass
    with sqlite3.connect(template) as db:  # migrated, and nothing of the first folder's runs in it
        assert db.execute("select count(*) from alembic_version").fetchone()[0] == 1
        assert db.execute("select count(*) from flow_run").fetchone()[0] == 0
    second = home_for(tmp_path / "second")
    second.path.mkdir(parents=True)
    assert database_from_template(second)
    assert second.database.read_bytes() == template.read_bytes()
    assert not database_from_template(second)  # a folder's own database is never replaced
    with prefect_api(tmp_path / "second") as api:  # and a server starts on the copy
        assert is_healthy(api.url)
    assert wait_until_gone(tmp_path, timeout=60) == []
