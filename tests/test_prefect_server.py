"""A data folder's own Prefect server (flows.prefect_server): the work a run hands to ``while_starting``
overlaps the server's start, and a failure in that work leaves no server behind."""
from __future__ import annotations

import pytest

from flows.prefect_server import home_for, is_healthy, prefect_api, read_state
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
