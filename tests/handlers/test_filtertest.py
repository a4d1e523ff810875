"""/filter test on a real database: the chat's latest stored updates (or subscription N's),
each with what the chat's and the subscription's filters decided, as routing decides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.errors import BadArgument, NotFound
from bot.core.model import ChatRef, CheckResult, Entry
from handlers.command_values import FilterTest
from handlers.commands import Caller, CommandLayer
from handlers.context import Context
from handlers.filtertest import MESSAGE_CHARS, filter_test
from handlers.parse import filter_ as parse_filter
from storage import Database, chats, entries, filters, stories, subscriptions

NOW = datetime(2024, 2, 3, 14, 0, tzinfo=UTC)
CHAT = ChatRef("telegram", "42")
STRIKES = {10: "Iran fires missiles at the base", 20: "Iran football team wins the cup",
           30: "Weather is calm today"}
MARKETS = {15: "Oil markets rise on Iran news", 25: "Stocks <b>fall</b> in Tokyo"}


class NoChecks:
    """A story checker /filter test never uses."""

    async def check(self, story_id: int) -> CheckResult:
        raise AssertionError("/filter test checks no story")


@dataclass
class Chat:
    context: Context
    db: Database
    story_ids: list[int]


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    """A chat in Tokyo's zone following two stories; the chat includes iran and excludes
    football, subscription 2 also excludes oil."""
    async with Database.open(tmp_path / "f.db") as db:
        story_ids = []
        async with db.write() as tx:
            room = await chats.ensure(tx, CHAT, now=NOW)
            await chats.set_timezone(tx, room.id, "Asia/Tokyo")
            await filters.add(tx, room.id, None, "include", ["iran"], now=NOW)
            await filters.add(tx, room.id, None, "exclude", ["football"], now=NOW)
            for name, texts in (("strikes", STRIKES), ("markets", MARKETS)):
                story = await stories.add(tx, f"https://news.example/{name}", now=NOW,
                                          interval=60)
                story_ids.append(story.id)
                following = await subscriptions.subscribe(tx, room.id, story.id, now=NOW)
                for minutes, text in texts.items():
                    await entries.add(tx, story.id, Entry(
                        f"{name}-{minutes}", NOW - timedelta(minutes=minutes), text), now=NOW)
            await filters.add(tx, room.id, following.id, "exclude", ["oil"], now=NOW)
        yield Chat(Context(db, NoChecks(), lambda: NOW), db, story_ids)


async def test_the_chats_latest_updates_each_with_what_decided(chat: Chat) -> None:
    """No number: every story's updates together, newest first, times in the chat's zone."""
    text = await filter_test(chat.context, CHAT, FilterTest(None))
    assert text.splitlines() == [
        "Filter test on the latest 5 updates of this chat's stories: 1 pass, 4 dropped.",
        "2024-02-03 22:50 JST #1 passes: include 'iran': Iran fires missiles at the base",
        "2024-02-03 22:45 JST #2 dropped: exclude 'oil' (subscription's filter): "
        "Oil markets rise on Iran news",
        "2024-02-03 22:40 JST #1 dropped: exclude 'football': Iran football team wins the cup",
        "2024-02-03 22:35 JST #2 dropped: no include word matched: Stocks <b>fall</b> in Tokyo",
        "2024-02-03 22:30 JST #1 dropped: no include word matched: Weather is calm today",
    ]


async def test_subscription_n_alone(chat: Chat) -> None:
    """`/filter test 2` and `/filter 2 test`: the second story only, without story numbers."""
    assert parse_filter("test 2") == parse_filter("2 test") == FilterTest(2)
    text = await filter_test(chat.context, CHAT, FilterTest(2))
    assert text.splitlines()[0] == ("Filter test on the latest 2 updates of subscription 2: "
                                    "0 pass, 2 dropped.")
    assert "Tokyo" in text.splitlines()[2] and "#" not in text
    assert "Iran fires" not in text


async def test_no_filters_lets_everything_through(chat: Chat) -> None:
    async with chat.db.write() as tx:
        room = await chats.by_ref(tx, CHAT)
        assert room is not None
        await filters.clear(tx, room.id, None)
    text = await filter_test(chat.context, CHAT, FilterTest(1))
    assert text.splitlines()[1:] == [
        "2024-02-03 22:50 JST passes: no filters: Iran fires missiles at the base",
        "2024-02-03 22:40 JST passes: no filters: Iran football team wins the cup",
        "2024-02-03 22:30 JST passes: no filters: Weather is calm today"]


async def test_the_latest_ten_in_one_bounded_message(chat: Chat) -> None:
    """Many long updates: the latest 10 only, in one message under every platform's limit."""
    async with chat.db.write() as tx:
        for n in range(30):
            await entries.add(tx, chat.story_ids[0], Entry(
                f"long-{n}", NOW - timedelta(seconds=n), f"Iran {'word ' * 300}{n}"), now=NOW)
    text = await filter_test(chat.context, CHAT, FilterTest(None))
    lines = text.splitlines()
    assert len(lines) == 11 and len(text) <= MESSAGE_CHARS
    assert all(line.endswith("…") for line in lines[1:])


async def test_unknown_number_and_no_subscriptions(chat: Chat) -> None:
    with pytest.raises(NotFound, match="no subscription 3"):
        await filter_test(chat.context, CHAT, FilterTest(3))
    text = await filter_test(chat.context, ChatRef("telegram", "99"), FilterTest(None))
    assert text.startswith("This chat follows no story yet.")
    with pytest.raises(BadArgument, match="/filter test takes"):
        parse_filter("test iran")


async def test_anyone_may_run_it_through_the_command_layer(chat: Chat) -> None:
    """A member who is no admin gets the test, as with /filter list."""
    async def not_admin() -> bool:
        return False

    layer = CommandLayer(chat.context)
    reply = await layer.run_text(Caller(CHAT, "supergroup", "7", not_admin), "/filter test")
    assert reply is not None and "passes: include 'iran'" in reply.text
    help_reply = await layer.run_text(Caller(CHAT, "supergroup", "7", not_admin), "/help")
    assert help_reply is not None and "/filter test [N]" in help_reply.text
