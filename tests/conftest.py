"""Fixtures shared by every test: loopback servers, a PostgreSQL cluster, paths to shared data."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakes.web import WebServer
from tests.postgres import Cluster, cluster

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_3477d8b1505b6b86.txt"
CORPUS = SHARED / "corpus"


@pytest.fixture
async def web_server() -> AsyncIterator[WebServer]:
    """A loopback web server whose pages the test sets."""
    async with WebServer() as server:
        yield server


@pytest.fixture
def seed_path() -> Path:
    """The story the product was designed from."""
    if not SEED.exists():
        pytest.skip(f"the seed story is not at {SEED} (../shared is absent)")
    return SEED


@pytest.fixture
def corpus_dir() -> Path:
    """The real live-blog pages and their truth files."""
    if not CORPUS.exists():
        pytest.skip(f"the corpus is not at {CORPUS} (../shared is absent)")
    return CORPUS


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole session (`new_database()` per test).

    Without the server installed a test needing it skips, with the reason; in CI
    (the CI variable set) it fails instead, so a missing server is never a green run.
    """
    try:
        with cluster() as running:
            yield running
    except LookupError as missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {missing}")
        pytest.skip(str(missing))
