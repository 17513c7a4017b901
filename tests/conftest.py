"""Shared test fixtures: the real CRS corpus copied into tests/fixtures (public-domain works)."""
from __future__ import annotations

import json
import os

import pytest

from tests.corpus_paths import GOLD_PATH


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", autouse=True)
def prefect_server(tmp_path_factory):
    """One Prefect server for the in-process runs of the whole session, started the production way
    (flows.prefect_server, as `crsdata run` does for a data folder) and named by PREFECT_API_URL, as
    a user names their own server. Tests of the per-folder server run crsdata in subprocesses without it."""
    from flows.prefect_server import prefect_api

    previous = os.environ.get("PREFECT_API_URL")
    os.environ.pop("PREFECT_API_URL", None)
    with prefect_api(tmp_path_factory.mktemp("prefect-session")) as api:
        os.environ["PREFECT_API_URL"] = api.url
        try:
            yield api
        finally:
            os.environ.pop("PREFECT_API_URL", None)
            if previous is not None:
                os.environ["PREFECT_API_URL"] = previous
