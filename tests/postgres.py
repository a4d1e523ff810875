"""A throwaway PostgreSQL cluster for tests and benches: initdb in a temporary directory, a
free port, its unix socket in that directory, stopped and deleted at the end.

The server binaries come from PATH or the Debian package's /usr/lib/postgresql/<ver>/bin.
initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
(which the Debian package creates). Each test gets a fresh database copied from a
template that already holds the migrated schema (CREATE DATABASE … TEMPLATE), so a
test pays for a copy, not for the migrations.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from storage import Database

TEMPLATE = "storywatch_template"
USER = "storywatch"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when the server is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                       key=lambda path: int(path.parent.parent.name) if
                       path.parent.parent.name.isdigit() else 0)
    return installed[-1].parent if installed else None


class Cluster:
    """One running PostgreSQL server of our own; `url(name)` addresses a database on it."""

    def __init__(self, binaries: Path) -> None:
        self._binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="storywatch-pg-"))
        self.port = _free_port()
        self._owner = "postgres" if os.geteuid() == 0 else None
        self._names = itertools.count(1)
        self._template = False

    def url(self, database: str = "postgres") -> str:
        """The URL of `database` on this cluster (over its unix socket)."""
        return f"postgresql://{USER}@/{database}?host={self.folder}&port={self.port}"

    def start(self) -> None:
        """initdb and start the server; returns once it accepts connections."""
        if self._owner is not None:
            entry = pwd.getpwnam(self._owner)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        # Durability is not under test: without fsync a test database costs milliseconds.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    async def new_database(self) -> str:
        """A fresh database at the latest schema; returns its URL."""
        if not self._template:
            # Made on first use, inside the caller's event loop (a session fixture has none).
            await self._admin(f'CREATE DATABASE "{TEMPLATE}"')
            async with Database.open(self.url(TEMPLATE)):
                self._template = True
        name = f"test_{os.getpid()}_{next(self._names)}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return self.url(name)

    async def copy_of(self, url: str) -> str:
        """A new database copied from the one at `url` (nobody may be connected to it)."""
        name = f"copy_{os.getpid()}_{next(self._names)}"
        source = url.split("?", 1)[0].rsplit("/", 1)[-1]
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self.url(name)

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._binaries / program), *args]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and deleted at the end. Raises LookupError when
    the PostgreSQL server is not installed."""
    binaries = server_binaries()
    if binaries is None:
        raise LookupError("the PostgreSQL server is not installed (Debian: apt-get install"
                          " postgresql); .ci/run installs it")
    running = Cluster(binaries)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
