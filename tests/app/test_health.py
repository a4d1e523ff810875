"""Readiness (bot.app.health) against a real database: what makes the service unready and
what does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.health import Health
from bot.app.scheduler import Tick
from bot.core.errors import RateLimited, Transient
from bot.core.model import ChatRef, Notice
from storage import Database, chats, outbox
from storage.outbox import NewDelivery
from tests.fakes.clock import FakeClock

T0 = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)


class Platform:
    """A messenger as readiness sees it: connected or not."""

    def __init__(self) -> None:
        self.up = True

    def connected(self) -> bool:
        return self.up


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database.open(tmp_path / "health.db") as database:
        yield database


async def ticking(health: Health) -> None:
    async def tick() -> None:
        return None

    [watched] = health.heartbeat.watched([Tick("poll", 1.0, tick)])
    await watched.run()


async def queue(db: Database, platform: str, at: datetime) -> None:
    async with db.write() as tx:
        chat = await chats.ensure(tx, ChatRef(platform, "42"), now=at)
        await outbox.enqueue(tx, [NewDelivery(chat.id, "notice", Notice("hi"), at)], now=at)


async def test_ready_once_platforms_started_and_ticking(db: Database) -> None:
    clock = FakeClock(T0)
    health = Health(db, clock, max_pending_age=60)
    assert not (await health.ready()).ok  # nothing started yet
    health.watch_platforms({"telegram": Platform()})
    assert not (await health.ready()).checks["scheduler"].ok
    await ticking(health)
    assert (await health.ready()).ok
    clock.now += timedelta(seconds=60)  # the ticks stopped firing
    assert not (await health.ready()).checks["scheduler"].ok


async def test_a_disconnected_platform_or_a_failing_send_is_unready(db: Database) -> None:
    health = Health(db, FakeClock(T0), max_pending_age=60)
    telegram = Platform()
    health.watch_platforms({"telegram": telegram})
    await ticking(health)
    telegram.up = False
    assert not (await health.ready()).checks["telegram"].ok
    telegram.up = True
    health.outcomes.send_failed("telegram", Transient("connection refused"), final=False)
    report = await health.ready()
    assert not report.ok and "connection refused" in report.checks["telegram"].detail
    # A flood wait is an answer: the platform is there.
    health.outcomes.send_failed("telegram", RateLimited(3), final=False)
    assert (await health.ready()).ok


async def test_an_alert_waiting_too_long_is_unready_only_on_a_running_platform(
        db: Database) -> None:
    clock = FakeClock(T0)
    health = Health(db, clock, max_pending_age=60)
    health.watch_platforms({"telegram": Platform()})
    await queue(db, "console", T0 - timedelta(hours=1))  # a `watch` chat: not this run's
    await ticking(health)
    assert (await health.ready()).ok
    await queue(db, "telegram", T0 - timedelta(seconds=30))
    assert (await health.ready()).ok
    clock.now += timedelta(seconds=31)
    await ticking(health)
    report = await health.ready()
    assert not report.checks["outbox"].ok and "61 s" in report.checks["outbox"].detail
    assert (await health.live()).ok  # alive all the same
