"""Shared test fixtures: the real CRS corpus copied into tests/fixtures (public-domain works)."""
from __future__ import annotations

import json

import pytest

from tests.corpus_paths import GOLD_PATH


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))
