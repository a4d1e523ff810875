"""Bench helpers: live pages served on loopback by a child process, and process measurements.

The server runs in a process of its own so its CPU is not counted as ours. It
listens on several loopback addresses (127.0.0.1, 127.0.0.2, ...), one "site"
each, so per-host limits behave as they do across many publishers. Every path
answers with either one fixed body (a corpus page) or a generated live page
whose updates grow when the parent calls `advance()`. ETags are sent, and
If-None-Match is answered with 304, unless the server is started without them
(then an unchanged page is recognised by its body hash).
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from aiohttp import web

START = datetime(2024, 2, 3, 10, 0, tzinfo=UTC)
UPDATES = 20
"""Updates on a generated page before the first `advance()`."""
PADDING = 60_000
"""Bytes of markup around a generated page's updates (navigation, scripts): a realistic size."""


def live_page(story: int, updates: int) -> bytes:
    """A generated live page: `updates` timed article blocks, newest first, plus page furniture."""
    blocks = []
    for number in range(updates, 0, -1):
        at = START + timedelta(minutes=number)
        blocks.append(
            f'<article class="update" id="post-{number}"><time datetime="{at.isoformat()}">'
            f"{at:%H:%M}</time><h2>Update {number} on story {story}</h2><p>Officials said "
            f"development number {number} changes the picture for story {story}; reporters "
            f"on the ground describe what happened next and what comes after it.</p></article>"
        )
    furniture = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(400))
    filler = "'k': 'v', " * ((PADDING - len(furniture)) // 10)
    script = "<script>var config = {" + filler + "};</script>"
    return (
        f"<!doctype html><html><head><title>Story {story}: live</title>{script}</head><body>"
        f"<nav><ul>{furniture}</ul></nav><h1>Story {story}: live</h1><main>"
        + "".join(blocks) + "</main><footer>Terms, privacy, cookies.</footer></body></html>"
    ).encode()


@dataclass(frozen=True)
class Served:
    """What the server child serves: a fixed body, or generated pages."""

    body: bytes | None = None
    etags: bool = True
    delay: float = 0.0  # seconds before each answer: a publisher's latency


class PageServer:
    """The loopback server child; `with PageServer(...) as server:` starts and stops it."""

    def __init__(self, served: Served, hosts: int = 20) -> None:
        self._served = served
        self._hosts = hosts
        self._pipe: Connection | None = None
        self._process: multiprocessing.Process | None = None
        self.port = 0

    def __enter__(self) -> PageServer:
        parent, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(child, self._served, self._hosts), daemon=True)
        self._process.start()
        self._pipe = parent
        self.port = parent.recv()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._pipe is not None and self._process is not None
        self._pipe.send(("stop", 0))
        self._process.join(10)

    def urls(self, count: int) -> list[str]:
        """`count` story URLs spread round-robin over the server's loopback hosts."""
        return [f"http://127.0.0.{n % self._hosts + 1}:{self.port}/story/{n}" for n in range(count)]

    def advance(self, updates: int, *, etags: bool = True) -> None:
        """From now on every generated page carries `updates` updates; ETags sent or not."""
        assert self._pipe is not None
        self._pipe.send(("updates", (updates, etags)))
        self._pipe.recv()


def _serve(pipe: Connection, served: Served, hosts: int) -> None:
    asyncio.run(_serve_async(pipe, served, hosts))


async def _serve_async(pipe: Connection, served: Served, hosts: int) -> None:
    state = {"updates": UPDATES, "etags": served.etags}
    cache: dict[tuple[int, int], tuple[bytes, str]] = {}

    def page(path: str) -> tuple[bytes, str]:
        story = int(path.rsplit("/", 1)[-1] or 0)
        key = (story, state["updates"]) if served.body is None else (0, 0)
        if key not in cache:
            body = served.body if served.body is not None else live_page(*key)
            cache[key] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
        return cache[key]

    async def handle(request: web.BaseRequest) -> web.Response:
        if served.delay:
            await asyncio.sleep(served.delay)
        body, tag = page(request.path)
        if not state["etags"]:
            return web.Response(body=body, content_type="text/html", charset="utf-8")
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(body=body, content_type="text/html", charset="utf-8",
                            headers={"ETag": tag})

    runner = web.ServerRunner(web.Server(handle), access_log=None)
    await runner.setup()
    first = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await first.start()
    port = first._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    for host in range(2, hosts + 1):
        await web.TCPSite(runner, f"127.0.0.{host}", port, backlog=4096).start()
    pipe.send(port)
    loop = asyncio.get_running_loop()
    while True:
        command, value = await loop.run_in_executor(None, pipe.recv)
        if command == "stop":
            break
        state["updates"], state["etags"] = value
        cache.clear()
        pipe.send("ok")
    await runner.cleanup()


@dataclass(frozen=True)
class ProcessRun:
    """One child process timed whole: wall seconds, CPU seconds, peak RSS in MB, exit status."""

    wall: float
    cpu: float
    peak_mb: float
    status: int


def run_process(argv: Sequence[str], *, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> ProcessRun:
    """Run `argv` to the end with no input and its output discarded, measured by wait4."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {process.returncode}: {errors[-2000:]}")
    return ProcessRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                      process.returncode)


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU seconds this process has used so far (user and system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median_of(values: Sequence[float]) -> float:
    """The median, rounded to 3 places."""
    return round(statistics.median(values), 3)
