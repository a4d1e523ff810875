"""Replies that report state show what the write committed (issue 27), however many chats
send commands at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import ChatRef, CheckResult
from bot.edges.config import Config
from handlers.commands import Caller, CommandLayer
from handlers.context import Context
from storage import Database

CHATS = 30
WORDS = ("lighthouse", "harbour", "ferry", "tide", "pier")


class NoChecks:
    """No story is followed here: a check would be a bug of the test."""

    async def check(self, story_id: int) -> CheckResult:
        raise AssertionError(f"story {story_id} checked")


async def _admin() -> bool:
    return True


def _now() -> datetime:
    return datetime.now(UTC)


async def test_each_filter_reply_lists_the_words_just_added_under_load(tmp_path: Path) -> None:
    """30 chats each add five filter words, one command at a time, all chats at once: every
    reply lists every word the chat has added so far."""
    async with Database.open(tmp_path / "storywatch.db") as db:
        layer = CommandLayer(Context.from_config(Config(), db, NoChecks(), _now))

        async def chat(number: int) -> list[str]:
            caller = Caller(ChatRef("discord", str(1000 + number)), "guild", str(number), _admin,
                            limited=False)
            replies = []
            for word in WORDS:
                reply = await layer.run_text(caller, f"/filter add {word}")
                assert reply is not None
                replies.append(reply.text)
            return replies

        every = await asyncio.gather(*(chat(number) for number in range(CHATS)))
    for replies in every:
        for count, reply in enumerate(replies, 1):
            assert all(word in reply for word in WORDS[:count]), reply
