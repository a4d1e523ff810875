"""Outages: while Telegram answers 5xx or cannot be reached at all, alerts wait in
the outbox, across a restart too, and go out in publication order once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tests.app.delivery.harness import WAIT, Rig, rig
from tests.fakes.telegram_api import SERVER_ERROR, TelegramApiServer
from tests.fakes.web import WebServer

CHAT = 4001
SLOW_RETRIES = {"STORYWATCH_DELIVERY__RETRY_BASE": "0.1", "STORYWATCH_DELIVERY__RETRY_MAX": "0.5"}


async def until(condition: Callable[[], object], within: float = WAIT) -> None:
    """Wait until `condition()` holds (the database gives no event to wait on)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (polling a file another process writes)
            await asyncio.sleep(0.05)


def labels(texts: list[str]) -> list[str]:
    """The update labels ("U-3") the texts carry, in order."""
    return [word for text in texts for word in text.split() if word.startswith("U-")]


def attempts(bot: Rig, label: str) -> int:
    """How many times the bot has tried, and failed, to send the pending alert of `label`."""
    rows = bot.query(
        "SELECT d.attempts FROM deliveries d JOIN entries e ON e.id = d.entry_id"
        " WHERE d.state = 'pending' AND d.error IS NOT NULL AND e.text LIKE ? || '%'",
        (label,))
    return max((int(row[0]) for row in rows), default=0)


def refused(bot: Rig, label: str) -> int:
    """How many sendMessage calls for `label` reached the fake."""
    return sum(label in call.params["text"] for call in bot.fake.calls_to("sendMessage"))


async def start_story(bot: Rig) -> None:
    """A story of two updates, already checked once (its baseline)."""
    bot.story.post("Also before anyone subscribed.")
    await bot.subscribe([CHAT])


async def test_server_errors_hold_alerts_until_telegram_recovers(
    tmp_path: Path, web_server: WebServer
) -> None:
    """Telegram answering 500 for the chat, or for every send a while: the alerts are retried,
    not lost or reordered, and arrive in order when it answers again."""
    async with rig(tmp_path, web_server, **SLOW_RETRIES) as bot:
        await start_story(bot)
        run = await bot.start()
        await bot.baseline()
        bot.fake.fail_chat(CHAT, SERVER_ERROR)
        bot.story.post("U-1 during the outage.")
        await bot.fake.wait_for(lambda _: refused(bot, "U-1") >= 2, WAIT)
        bot.story.post("U-2 during the outage too.")
        await until(lambda: bot.outbox("pending", "U-") == 2)
        await bot.fake.wait_for(lambda _: refused(bot, "U-1") >= 4, WAIT)
        assert bot.accepted("U-") == 0
        bot.fake.heal_chat(CHAT)
        await bot.wait_delivered(2, "U-")
        # Every send failing for a while, whatever the chat.
        bot.fake.fail_next("sendMessage", SERVER_ERROR, times=5)
        bot.story.post("U-3 while every send fails.")
        bot.story.post("U-4 while every send fails, too.")
        await bot.wait_delivered(4, "U-")
        await run.stop()
    assert labels(bot.delivered()[CHAT]) == ["U-1", "U-2", "U-3", "U-4"]
    assert bot.outbox_retried("U-1") == bot.outbox_retried("U-3") == 1  # each took several tries
    assert bot.outbox("pending") == 0


async def test_alerts_failing_with_5xx_stay_pending_across_a_restart(
    tmp_path: Path, web_server: WebServer
) -> None:
    """Stopped (SIGTERM) while Telegram answers 500, the bot starts again with the alerts still
    pending, adds those found meanwhile, and sends them all in order once Telegram recovers."""
    async with rig(tmp_path, web_server, **SLOW_RETRIES) as bot:
        await start_story(bot)
        run = await bot.start()
        await bot.baseline()
        bot.fake.fail_chat(CHAT, SERVER_ERROR)
        bot.story.post("U-1 before the stop.")
        await bot.fake.wait_for(lambda _: refused(bot, "U-1") >= 2, WAIT)
        await run.stop()
        assert bot.outbox("pending", "U-1") == 1
        bot.story.post("U-2 while the bot was stopped.")
        run = await bot.start()
        tried = refused(bot, "U-1")
        await bot.fake.wait_for(lambda _: refused(bot, "U-1") > tried, WAIT)
        assert bot.accepted("U-") == 0
        bot.fake.heal_chat(CHAT)
        await bot.wait_delivered(2, "U-")
        await run.stop()
    assert labels(bot.delivered()[CHAT]) == ["U-1", "U-2"]
    assert bot.outbox("pending") == 0


async def test_an_unreachable_telegram_holds_alerts_across_a_restart(
    tmp_path: Path, web_server: WebServer
) -> None:
    """Telegram's address refusing connections: alerts wait and go once it is back, and when the
    bot is stopped meanwhile they wait in the database for the next start."""
    async with rig(tmp_path, web_server, **SLOW_RETRIES) as bot:
        await start_story(bot)
        run = await bot.start()
        await bot.baseline()
        port, seen = bot.fake.port, []
        await bot.fake.__aexit__(None, None, None)
        bot.story.post("U-1 while Telegram is unreachable.")
        await until(lambda: attempts(bot, "U-1") >= 2)
        async with TelegramApiServer(port=port) as back:
            bot.fake = back
            await bot.wait_delivered(1, "U-1")
            seen += bot.delivered()[CHAT]
        bot.story.post("U-2 in the second outage.")
        await until(lambda: attempts(bot, "U-2") >= 2)
        await run.stop()
        bot.story.post("U-3 while the bot was stopped.")
        async with TelegramApiServer(port=port) as back_again:
            bot.fake = back_again
            run = await bot.start()
            await bot.wait_delivered(2, "U-")
            await run.stop()
            seen += bot.delivered()[CHAT]
    assert labels(seen) == ["U-1", "U-2", "U-3"]
    assert bot.outbox("pending") == 0
