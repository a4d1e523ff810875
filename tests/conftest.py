"""Fixtures shared by every test: loopback servers, a PostgreSQL cluster, paths to shared data."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakes.web import WebServer
from tests.postgres import Cluster, cluster

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_3477d8b1505b6b86.txt"
CORPUS = SHARED / "corpus"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """This process's network is loopback alone: a TCP or UDP connect to any other address
    fails before a packet is sent, and fails the test unless it takes the list of attempts
    (this fixture's value) and empties it. A broken SSRF guard thus never reaches out."""
    attempts: list[str] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refused(sock: socket.socket, address: object) -> OSError | None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return None
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        mapped = getattr(ip, "ipv4_mapped", None)
        if ip.is_loopback or (mapped is not None and mapped.is_loopback):
            return None
        attempts.append(str(ip))
        return OSError(101, f"tests reach loopback only, not {ip}")  # ENETUNREACH

    def guarded_connect(sock: socket.socket, address: object) -> None:
        error = refused(sock, address)
        if error is not None:
            raise error
        connect(sock, address)  # type: ignore[arg-type]

    def guarded_connect_ex(sock: socket.socket, address: object) -> int:
        error = refused(sock, address)
        return error.errno if error is not None else connect_ex(sock, address)  # type: ignore[arg-type,return-value]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    yield attempts
    assert not attempts, f"a connection off loopback was attempted: {attempts}"


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
