"""/catchup's use case on a real database: the chat's stories (or subscription N) over the
window, through the chat's filters, as one message; and its arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.errors import BadArgument, NotFound
from bot.core.model import ChatRef, CheckResult, Entry
from handlers.catchup import catchup
from handlers.command_values import Catchup
from handlers.commands import Caller, CommandLayer
from handlers.context import Context
from handlers.parse import catchup as parse_catchup
from storage import Database, chats, entries, filters, stories, subscriptions

NOW = datetime(2024, 2, 3, 14, 0, tzinfo=UTC)
CHAT = ChatRef("telegram", "42")


class NoChecks:
    """A story checker /catchup never uses."""

    async def check(self, story_id: int) -> CheckResult:
        raise AssertionError("/catchup checks no story")


@dataclass
class Chat:
    context: Context
    db: Database


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    """A chat following two stories; each has an update 30 min, 3 h and 30 h ago."""
    async with Database.open(tmp_path / "c.db") as db:
        async with db.write() as tx:
            room = await chats.ensure(tx, CHAT, now=NOW)
            for name in ("strikes", "markets"):
                story = await stories.add(tx, f"https://news.example/{name}", now=NOW,
                                          interval=60)
                await subscriptions.subscribe(tx, room.id, story.id, now=NOW)
                for minutes in (30, 180, 1800):
                    at = NOW - timedelta(minutes=minutes)
                    await entries.add(tx, story.id, Entry(
                        f"{name}-{minutes}", at, f"{name.title()} news from {minutes} min ago."),
                        now=NOW)
        yield Chat(Context(db, NoChecks(), lambda: NOW), db)


async def test_the_chats_stories_over_two_hours_by_default(chat: Chat) -> None:
    """No argument: both stories' updates of the last 2 h, one line each."""
    text = await catchup(chat.context, CHAT, parse_catchup(""))
    assert text.splitlines()[0].startswith("Catch-up of the last 2 h: 2 updates in 2 stories")
    assert "Strikes news from 30 min ago." in text and "Markets news from 30 min ago." in text
    assert "180 min" not in text


async def test_one_subscription_over_a_day(chat: Chat) -> None:
    """`/catchup 2 24h`: the second story alone, its updates of the last day."""
    text = await catchup(chat.context, CHAT, parse_catchup("2 24h"))
    assert "Markets news from 180 min ago." in text and "Strikes" not in text
    assert "1800 min" not in text


async def test_the_chats_filters_apply(chat: Chat) -> None:
    """An update the chat's filters drop is not in its catch-up."""
    room = await chats.by_ref(chat.db, CHAT)
    assert room is not None
    async with chat.db.write() as tx:
        await filters.add(tx, room.id, None, "exclude", ["markets"], now=NOW)
    text = await catchup(chat.context, CHAT, Catchup())
    assert "Markets" not in text and "1 update in “https://news.example/strikes”" in text


async def test_a_number_the_chat_lacks_is_not_found(chat: Chat) -> None:
    """`/catchup 3` with two subscriptions says /list has the numbers."""
    with pytest.raises(NotFound, match="/list"):
        await catchup(chat.context, CHAT, parse_catchup("3"))


@pytest.mark.parametrize(("args", "reason"), [
    ("25h", "24 h at most"), ("0", "from 1"), ("1 2h extra", "at most"), ("soon", "duration"),
])
def test_bad_arguments_say_why_with_an_example(args: str, reason: str) -> None:
    """Each bad argument gets a one-line reason."""
    with pytest.raises(BadArgument, match=reason):
        parse_catchup(args)


def test_arguments_are_read_as_designed() -> None:
    """N first, then DURATION; each may be left out."""
    assert parse_catchup("") == Catchup(None, timedelta(hours=2))
    assert parse_catchup("90m") == Catchup(None, timedelta(minutes=90))
    assert parse_catchup("3") == Catchup(3, timedelta(hours=2))
    assert parse_catchup("1 1h30m") == Catchup(1, timedelta(minutes=90))


async def test_anyone_in_the_chat_may_ask_through_the_command_layer(chat: Chat) -> None:
    """`/catchup 1 24h` typed by a member who is no admin: one reply, the first story's day."""
    async def not_admin() -> bool:
        return False

    layer = CommandLayer(chat.context)
    reply = await layer.run_text(Caller(CHAT, "supergroup", "7", not_admin), "/catchup 1 24h")
    assert reply is not None and "Strikes news from 180 min ago." in reply.text
    assert "Markets" not in reply.text


async def test_the_help_names_catchup(chat: Chat) -> None:
    """/help lists /catchup with its arguments."""
    layer = CommandLayer(chat.context)
    reply = await layer.run_text(Caller(CHAT, "private", "42", _admin), "/help")
    assert reply is not None and "/catchup [N] [DURATION]" in reply.text


async def _admin() -> bool:
    return True
