"""Malformed pages as a front or section page (`/subscribe` discovery, `/track`): whatever
bytes a page serves, `discover` returns what it offers or raises a named StorywatchError,
never crashes and never hangs. Each page is read in a forked child, killed at HANG_SECONDS;
how fast is `bench/discover.py`'s to say."""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.connection import Connection

import pytest

from bot.core.discover import discover
from bot.core.errors import StorywatchError
from tests.hostile.pages import BROKEN
from tests.hostile.test_malformed_pages import HANG_SECONDS, Outcome


def _discover_named(name: str, conn: Connection) -> None:
    """In the child: discover in BROKEN[name] and send back the outcome."""
    body, content_type = BROKEN[name]()
    try:
        discover(body, url="https://news.example/world", content_type=content_type)
        conn.send(Outcome("Discovered"))
    except StorywatchError as error:
        conn.send(Outcome(type(error).__name__))
    except Exception:  # the child's boundary: a crash is the finding, sent back whole
        conn.send(Outcome("crash", traceback.format_exc()))


@pytest.mark.timeout(HANG_SECONDS + 30)
@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_front_page_offers_something_or_a_named_error(name: str) -> None:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_discover_named, args=(name, sender), daemon=True)
    child.start()
    try:
        outcome: Outcome = receiver.recv() if receiver.poll(HANG_SECONDS) else Outcome("hang")
    finally:
        child.kill()
        child.join()
    assert outcome.kind not in {"crash", "hang"}, f"{name}: {outcome.kind}\n{outcome.detail}"
