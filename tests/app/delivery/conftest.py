"""Every delivery test runs twice: on SQLite, and on PostgreSQL (the session's cluster)."""

from __future__ import annotations

import asyncio

import pytest

from tests.app.delivery import harness


@pytest.fixture(autouse=True, params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database the test's rig runs on."""
    if request.param == "postgresql":
        cluster = request.getfixturevalue("postgres")
        monkeypatch.setattr(harness, "DATABASE", asyncio.run(cluster.new_database()))
    return str(request.param)
