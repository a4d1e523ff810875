"""SIGTERM of `storywatch run` while Telegram has become unreachable: it exits promptly with
status 0 and every alert still pending stays in the outbox for the next start.

The seconds themselves are measured by bench/stop.py (goal: under 5); the bound here is
generous so a loaded machine cannot fail it, yet far below the 30 s a stop used to take.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.cli.unreachable import Mode, stop_while_unreachable

BOUND = 20.0


@pytest.mark.parametrize("mode", ["silent", "refusing"])
async def test_sigterm_with_telegram_unreachable_exits_and_keeps_the_alerts(
        tmp_path: Path, mode: Mode) -> None:
    """The API accepts and never answers, or refuses: the stop is clean, nothing is lost."""
    stopped = await stop_while_unreachable(tmp_path, mode, alerts=3)
    assert stopped.status == 0, stopped.stderr
    assert stopped.seconds < BOUND
    assert stopped.pending == 3
