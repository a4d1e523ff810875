"""Extraction beside the event loop: a process pool on machines with a core to spare.

Parsing a page is CPU work (a few milliseconds for a 250 KB live blog); done on
the event loop it stalls every fetch and send meanwhile, and leaves a second
core idle. `extract_with` is what the pool runs: a module-level function of
picklable values, in a module light to import (a worker imports only this and
`bot.core.extract`). The extractor, multiprocessing and the pool itself are
loaded on first use, so a run that extracts nothing pays for none of them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from bot.core.model import Fetched, Page, Recipe

P = ParamSpec("P")
T = TypeVar("T")

PARENT_CHECK_SECONDS = 1.0
"""How often a worker looks whether the process that started it is still there."""


def extract_with(recipes: tuple[Recipe, ...], fetched: Fetched) -> Page:
    """A fetched document's entries, with these site recipes."""
    from bot.core.extract import extract_page  # selectolax, lxml, feedparser: on first use

    return extract_page(fetched.body or b"", url=fetched.final_url, fetched_at=fetched.fetched_at,
                        content_type=fetched.content_type, charset=fetched.charset,
                        recipes=recipes)


def _worker_started(parent: int) -> None:
    """A worker's set-up: let go of the parent's output, and end when the parent does.

    A worker inherits the parent's stdout and stderr; holding them would keep a
    supervisor reading them from ever seeing their end after the parent is
    killed. And a killed parent cannot shut its pool down: the worker notices
    by being handed to another parent, and exits.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(devnull, stream)
    os.close(devnull)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


@contextmanager
def extraction_pool(cpus: int | None = None) -> Iterator[Executor | None]:
    """A pool of `cpus - 1` extraction processes (this machine's CPUs by default), or None on one.

    The pool is made, and its workers started, on first use, so a run that extracts
    nothing pays nothing. Spawned, not forked: the parent has threads (aiosqlite's) a
    fork would copy mid-state.
    """
    workers = (cpus or os.cpu_count() or 1) - 1
    if workers < 1:
        yield None
        return
    pool = _PoolOnFirstUse(workers)
    try:
        yield pool
    finally:
        pool.shutdown()


class _PoolOnFirstUse(Executor):
    """A ProcessPoolExecutor of `workers` spawned processes, made at the first `submit`."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: Executor | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run `fn(*args, **kwargs)` in a worker process."""
        with self._lock:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(
                    self._workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_started, initargs=(os.getpid(),))
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down, if it was ever made."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait, cancel_futures=cancel_futures)
