"""The crash half of bench/scale_out.py: a checker SIGKILLed mid-lease and the active sender
SIGKILLed mid fan-out, on PostgreSQL, with real `storywatch run --role …` processes, the fake
Bot API and live stories on loopback (tests/app/delivery/harness.py)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.model import ChatRef
from bot.edges.urls import normalize_url
from storage import Database, chats, stories, subscriptions
from tests.app.delivery import harness
from tests.app.delivery.harness import Rig, Run, rig
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer
from tests.postgres import Cluster

TEXT = "Crash update for story"
TICK = float(harness.FAST["STORYWATCH_SCHEDULE__TICK"])


async def subscribe_all(url: str, lives: list[LiveStory], chat_ids: range) -> None:
    """Every chat follows every story."""
    now = datetime.now(UTC)
    async with Database.open(url) as db, db.write() as tx:
        for live in lives:
            story = await stories.add(tx, normalize_url(live.url), now=now, interval=2.0)
            for chat_id in chat_ids:
                chat = await chats.ensure(tx, ChatRef("telegram", str(chat_id)), now=now)
                await subscriptions.subscribe(tx, chat.id, story.id, now=now)


async def leased_by(url: str, run: Run) -> list[int]:
    """The stories the process of `run` holds a lease on now."""
    async with Database.open(url) as db:
        rows = await db.fetch_all("SELECT id FROM stories WHERE leased_by LIKE ?",
                                  (f"%:{run.process.pid}:%",))
    return [int(row[0]) for row in rows]


async def first_checks_after(url: str, ids: list[int], moment: float) -> dict[int, float]:
    """When each of `ids` was first checked after `moment` (epoch), watched from `moment` on.

    A story's row keeps only its latest check (the time that check started), and a retaken
    story is checked again every interval: read once at the end, the row would time the
    latest check, not the takeover. So the rows are read every 50 ms, well within one
    interval, and each story's first start after `moment` is kept. Cancel to stop early.
    """
    first: dict[int, float] = {}
    marks = ", ".join("?" * len(ids))
    async with Database.open(url) as db:
        while len(first) < len(ids):
            rows = await db.fetch_all(f"SELECT id, last_checked_at FROM stories WHERE id IN"
                                      f" ({marks}) AND last_checked_at > ?", (*ids, moment))
            for row in rows:
                first.setdefault(int(row[0]), float(row[1]))
            await asyncio.sleep(0.05)
    return first


async def lease_ends(url: str, ids: list[int]) -> dict[int, float]:
    """When the leases on `ids` run out (epoch), by story."""
    async with Database.open(url) as db:
        marks = ", ".join("?" * len(ids))
        rows = await db.fetch_all(
            f"SELECT id, lease_until FROM stories WHERE id IN ({marks})", tuple(ids))
    return {int(row[0]): float(row[1]) for row in rows if row[1] is not None}


def tally(bot: Rig, stories_count: int, chat_ids: range) -> tuple[int, int]:
    """(alerts lost, alerts duplicated) over every chat and story."""
    lost = duplicated = 0
    for chat in chat_ids:
        texts = bot.delivered()[chat]
        for number in range(stories_count):
            got = sum(f"{TEXT} {number}." in text for text in texts)
            lost += got == 0
            duplicated += max(got - 1, 0)
    return lost, duplicated


async def until(condition: Any, within: float) -> None:
    """Wait until the awaitable `condition()` is true (other processes' writes: polled)."""
    async with asyncio.timeout(within):
        while not await condition():  # noqa: ASYNC110 (no event crosses processes)
            await asyncio.sleep(0.1)


async def crash(postgres: Cluster, folder: Path, *, stories: int, chats: int,
                lease: float) -> dict[str, Any]:
    """The crash run's figures."""
    url = await postgres.new_database()
    harness.DATABASE = url
    chat_ids = range(3001, 3001 + chats)
    # Stories polled every second or two, not the harness's 0.2 s: a takeover is then timed
    # by the lease, not by a queue of re-checks on the one loopback host.
    env = {"STORYWATCH_STORAGE__LEASE": str(lease), "STORYWATCH_STORAGE__FAILOVER": "10",
           "STORYWATCH_TELEGRAM__RATE_PER_SECOND": "100", "STORYWATCH_FETCH__PER_HOST": "64",
           "STORYWATCH_SCHEDULE__INTERVAL": "2", "STORYWATCH_SCHEDULE__MIN_INTERVAL": "1",
           "STORYWATCH_SCHEDULE__MAX_INTERVAL": "2"}
    async with WebServer() as web, rig(folder, web, **env) as bot:
        lives = [bot.story, *(LiveStory(web, f"/live{n}") for n in range(1, stories))]
        for live in lives[1:]:
            live.post("The first update, before anyone subscribed.")
        await subscribe_all(url, lives, chat_ids)
        active = await bot.start("--role", "sender")
        await bot.launch("--role", "sender")  # the standby
        checkers = [await bot.launch("--role", "checker") for _ in range(2)]
        for live in lives:
            await web.wait_hits(live.path, 2, within=60)  # every baseline done
        gate = asyncio.Event()
        for live in lives:
            web.gates[live.path] = gate
        for number, live in enumerate(lives):
            live.post(f"{TEXT} {number}.")
        # Both checkers are now fetching pages that hang: each holds leases. Kill the one
        # holding more.
        held: dict[int, list[int]] = {}

        async def leasing() -> bool:
            for index, run in enumerate(checkers):
                held[index] = await leased_by(url, run)
            return sum(map(len, held.values())) == stories

        # Every story leased (each check hangs on its page): the victim holds about half.
        await until(leasing, 60)
        victim = max(held, key=lambda index: len(held[index]))
        orphans = held[victim]
        ends = await lease_ends(url, orphans)
        killed_at = time.time()
        await checkers[victim].kill()
        retaking = asyncio.ensure_future(first_checks_after(url, orphans, killed_at))
        gate.set()
        web.gates.clear()
        total = stories * chats
        await bot.fake.wait_for(lambda _: bot.accepted(TEXT) >= total * 0.3, 120)
        met = len(bot.fake.calls_to("getMe"))
        await active.kill()
        sender_killed = time.monotonic()
        await bot.fake.wait_for(lambda _: len(bot.fake.calls_to("getMe")) > met, 60)
        failover = time.monotonic() - sender_killed
        in_flight = bot.accepted(TEXT) - bot.outbox("sent", TEXT)
        with contextlib.suppress(TimeoutError):
            await bot.fake.wait_for(lambda _: tally(bot, stories, chat_ids)[0] == 0, 300)
        retaken = await asyncio.wait_for(retaking, 120)
        await bot.fake.wait_for(lambda _: bot.outbox("pending", TEXT) == 0, 60)
        lost, duplicated = tally(bot, stories, chat_ids)
    # The goal: each orphan is retaken within one tick of its lease running out, so within
    # lease + tick of the kill. `retaken_after_lease_s` is the worst delay past the lease's end.
    last_retaken = max(retaken.values()) - killed_at
    after_lease = max(retaken[story] - end for story, end in ends.items())
    figures = {"alerts": total, "lost": lost, "duplicated": duplicated,
               "in_flight_at_sender_kill": in_flight, "orphaned_stories": len(orphans),
               "lease_s": lease, "tick_s": TICK,
               "lease_left_at_kill_s": round(max(ends.values()) - killed_at, 2),
               "retaken_after_s": round(last_retaken, 2),
               "retaken_after_lease_s": round(after_lease, 2),
               "sender_failover_s": round(failover, 2)}
    print(f"crash: {total} alerts, {lost} lost, {duplicated} duplicated"
          f" ({in_flight} in flight at the sender's kill); the dead checker's"
          f" {len(orphans)} stories all checked again {figures['retaken_after_s']} s after its"
          f" kill (lease {lease:g} s, {figures['lease_left_at_kill_s']} s of it left; at most"
          f" {figures['retaken_after_lease_s']} s after a lease ran out, tick {TICK:g} s);"
          f" the standby sender connected {failover:.2f} s after the active one's", flush=True)
    return figures
