"""Fixtures shared by every test: loopback servers and paths to shared data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.web import WebServer

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
