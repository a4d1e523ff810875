"""A real database of each backend: SQLite in a temp file, PostgreSQL on the session's cluster;
both with the real migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database


@pytest.fixture(params=["sqlite", "postgresql"])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a fresh database is, on each backend in turn: a SQLite path or a PostgreSQL URL."""
    if request.param == "postgresql":
        url: str = await request.getfixturevalue("postgres").new_database()
        return url
    return tmp_path / "test.db"


@pytest.fixture
async def db(target: Path | str) -> AsyncIterator[Database]:
    """A fresh database at its latest schema, on each backend in turn."""
    async with Database.open(target) as database:
        yield database
