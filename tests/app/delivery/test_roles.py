"""Many processes on one PostgreSQL database: `run --role checker` and `--role
sender`. A checker SIGKILLed mid-check loses and doubles nothing and its story is checked
again once its lease runs out; a standby sender takes the platform over when the active one
dies; an alert wakes the sender at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.app.delivery import harness
from tests.app.delivery.harness import WAIT, Rig, rig
from tests.fakes.web import WebServer
from tests.postgres import Cluster

CHATS = range(2001, 2011)
LEASE = 3.0
ROLES = {"STORYWATCH_STORAGE__LEASE": str(LEASE), "STORYWATCH_STORAGE__FAILOVER": "10"}


@pytest.fixture
def backend(postgres: Cluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """Roles need PostgreSQL: these tests run on it alone."""
    monkeypatch.setattr(harness, "DATABASE", asyncio.run(postgres.new_database()))
    return "postgresql"


def counts(bot: Rig, text: str) -> list[int]:
    """How many messages containing `text` each chat accepted."""
    return [sum(text in message for message in bot.delivered()[chat]) for chat in CHATS]


@pytest.mark.timeout(120)
async def test_a_checker_killed_mid_check_loses_and_doubles_nothing(
        tmp_path: Path, web_server: WebServer) -> None:
    """The story a dead checker held is checked by the other after the lease, not before;
    every chat gets the update exactly once."""
    async with rig(tmp_path, web_server, **ROLES) as bot:
        await bot.subscribe(CHATS)
        await bot.start("--role", "sender")
        first = await bot.launch("--role", "checker")
        await bot.baseline()
        second = await bot.launch("--role", "checker")
        gate = web_server.gates[bot.story.path] = asyncio.Event()
        bot.story.post("An update found by a checker that dies.")
        await web_server.fetched_again(bot.story.path, 1, within=WAIT)
        # Whichever checker is waiting on the page holds the story's lease: kill both and
        # start one afresh, so the story's lease is a dead process's for certain.
        killed = time.monotonic()
        await first.kill()
        await second.kill()
        gate.set()
        del web_server.gates[bot.story.path]
        await bot.launch("--role", "checker")
        await bot.fake.wait_for(lambda _: min(counts(bot, "dies")) >= 1, WAIT)
        taken_over = time.monotonic() - killed
        await bot.fake.wait_for(lambda _: bot.outbox("pending", "dies") == 0, WAIT)
    assert counts(bot, "dies") == [1] * len(CHATS)
    assert taken_over < LEASE + 10  # the lease, a tick, a start-up and a fan-out, on a busy machine


@pytest.mark.timeout(120)
async def test_a_standby_sender_takes_the_platform_over_when_the_active_one_dies(
        tmp_path: Path, web_server: WebServer) -> None:
    """Two senders: one polls Telegram, the other waits; SIGKILL the first and the second
    connects within the failover time and delivers what the checker finds after."""
    async with rig(tmp_path, web_server, **ROLES) as bot:
        await bot.subscribe(CHATS)
        active = await bot.start()
        standby = await bot.launch("--role", "sender")
        await bot.launch("--role", "checker")
        await bot.baseline()
        bot.story.post("Before the failover.")
        await bot.wait_delivered(len(CHATS), "Before the failover")
        assert standby.process.returncode is None
        met = len(bot.fake.calls_to("getMe"))
        await active.kill()
        killed = time.monotonic()
        await bot.fake.wait_for(lambda _: len(bot.fake.calls_to("getMe")) > met, WAIT)
        failover = time.monotonic() - killed
        bot.story.post("After the failover.")
        await bot.wait_delivered(len(CHATS), "After the failover")
    assert failover < 10
    assert counts(bot, "After the failover") == [1] * len(CHATS)
