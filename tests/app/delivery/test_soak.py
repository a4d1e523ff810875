"""bench/soak.py, short: `storywatch run` against the fake Bot API throwing the issue's fault
mix (429s, 502s, hangs, a whole outage) while updates stream in. Not one alert may be lost,
sent twice, let through a filter or put out of order, and the log holds no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import Load, soak

SHORT = Load(pages=10, chats=18, follow=3, rate=1.0, seconds=12.0, outage_at=3.0,
             outage_seconds=4.0, drain_limit=60.0)


@pytest.mark.timeout(120)
async def test_a_short_soak_under_faults_loses_and_repeats_nothing(tmp_path: Path) -> None:
    figures = await soak("telegram", SHORT, faults=True, folder=tmp_path)
    assert figures["expected"] > 20  # the stream did reach the chats
    assert {key: figures[key] for key in ("lost", "sent_twice", "wrongly_filtered",
                                           "order_violations", "tracebacks")} == {
        "lost": 0, "sent_twice": 0, "wrongly_filtered": 0, "order_violations": 0,
        "tracebacks": 0}
    assert figures["exit_status"] == 0
