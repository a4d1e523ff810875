"""Nothing lost: SIGKILL `storywatch run` at several moments while a story's updates
fan out to 20 chats, start it again each time: every alert arrives, and only the sends in
flight at a kill arrive twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.delivery.harness import Rig, rig
from tests.fakes.web import WebServer

CHATS = range(1001, 1021)
UPDATES = 5


ALERT = "Update number"


def numbers(bot: Rig, chat: int) -> list[int]:
    """The update numbers the chat received, in the order it received them."""
    return [int(text.split(ALERT)[1].split()[0]) for text in bot.delivered()[chat]
            if ALERT in text]


def complete(bot: Rig) -> bool:
    """Whether every chat has received every update."""
    return all(set(numbers(bot, chat)) == set(range(1, UPDATES + 1)) for chat in CHATS)


def unrecorded(bot: Rig) -> int:
    """Alerts the fake accepted that the outbox does not hold as sent: the sends in flight at
    every kill so far (counted once each, whether resent since or not)."""
    return bot.accepted(ALERT) - bot.outbox("sent", ALERT)


# Six starts of the real process (~12 s on an idle 2-core machine); the default 60 s
# guard is too tight when the machine is busy.
@pytest.mark.timeout(180)
async def test_sigkill_at_any_moment_loses_nothing(tmp_path: Path, web_server: WebServer) -> None:
    """Kills right after a post, mid fan-out and between posts; after the last restart each
    chat has every update once, in order, apart from sends that were in flight at a kill."""
    async with rig(tmp_path, web_server, STORYWATCH_TELEGRAM__RATE_PER_SECOND="60") as bot:
        await bot.subscribe(CHATS)
        run = await bot.start()
        await bot.baseline()
        in_flight = 0
        for number in range(1, UPDATES + 1):
            bot.story.post(f"Update number {number} of the story.")
            # Kill at a different moment of each round: before, during and after its fan-out.
            target = (number - 1) * len(CHATS) + [0, 3, 10, 19, 20][number - 1]
            await bot.fake.wait_for(lambda _, target=target: bot.accepted(ALERT) >= target)
            await run.kill()
            run = await bot.start(probe=lambda: unrecorded(bot))
            in_flight = run.probed
        # Complete can come before the outbox settles: a send in flight at the last kill
        # reached its chat, and its row waits to be sent again after the restart.
        await bot.fake.wait_for(lambda _: complete(bot) and not bot.outbox("pending", ALERT), 20)
        await run.stop()
    duplicates = bot.accepted(ALERT) - UPDATES * len(CHATS)
    assert 0 <= duplicates <= in_flight
    for chat in CHATS:
        assert numbers(bot, chat) == sorted(numbers(bot, chat))
    assert bot.outbox("pending", ALERT) == 0
