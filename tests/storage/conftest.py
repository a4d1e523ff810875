"""A real SQLite database in a temp file, with the real migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database at its latest schema."""
    async with Database.open(tmp_path / "test.db") as database:
        yield database
