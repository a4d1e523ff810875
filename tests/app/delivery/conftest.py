"""Delivery tests run on SQLite and on PostgreSQL (the session's cluster): crash safety and
order on both; the slower outage and feature tests, whose storage is the same repositories,
on SQLite alone, so the suite stays within its few minutes."""

from __future__ import annotations

import asyncio

import pytest

from tests.app.delivery import harness

BOTH = ("test_crash", "test_order")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The backends each test of this folder runs on."""
    if "backend" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database the test's rig runs on (SQLite unless parametrized)."""
    name = str(getattr(request, "param", "sqlite"))
    if name == "postgresql":
        cluster = request.getfixturevalue("postgres")
        monkeypatch.setattr(harness, "DATABASE", asyncio.run(cluster.new_database()))
    return name
