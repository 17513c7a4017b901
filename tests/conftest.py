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


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """A local S3-compatible endpoint (moto's standalone server) on 127.0.0.1, named by the standard
    AWS variables that s3fs/botocore read, for this process and the crsdata processes it starts.
    Mirrors of remote stores go under the session's temporary folder, not the home folder."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    variables = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "CRSDATA_MIRRORS": str(tmp_path_factory.mktemp("mirrors")),
    }
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield variables
    finally:
        server.stop()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture()
def s3_bucket(s3_endpoint) -> str:
    """A new empty bucket on the local endpoint; returns its name."""
    import uuid

    import s3fs

    name = f"crsdata-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem().mkdir(name)
    return name
