"""/status through the command layer: for admins only, the chat's mute and digest, then each
story of the chat with its newest update as the page dates it, when the bot last found one,
its last and next check and errors, in the chat's time zone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.model import ChatRef, CheckResult, Entry, Validators
from handlers.commands import NOT_ADMIN, Caller, CommandLayer
from handlers.context import Context
from storage import Database, chats, entries, stories, subscriptions
from storage.stories import CheckState

NOW = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001")


class NoChecks:
    """/status never checks a story."""

    async def check(self, story_id: int) -> CheckResult:
        raise AssertionError("/status must not check stories")


def caller(admin: bool) -> Caller:
    async def is_admin() -> bool:
        return admin

    return Caller(GROUP, "supergroup", "7", is_admin)


@pytest.fixture
async def layer(tmp_path: Path) -> AsyncIterator[CommandLayer]:
    """A group in Europe/London following a healthy story, a failing one and a retired one."""
    async with Database.open(tmp_path / "d.db") as db:
        async with db.write() as tx:
            chat = await chats.ensure(tx, GROUP, now=NOW, kind="supergroup")
            await chats.set_timezone(tx, chat.id, "Europe/London")
            # Retired first, so that the retirement touches no other story.
            ended = await stories.add(tx, "https://news.example/c", now=NOW, interval=120)
            await stories.retire(tx, quiet_since=NOW + timedelta(days=1), max_failures=1000)
            healthy = await stories.add(tx, "https://news.example/a", now=NOW, interval=120)
            await stories.record_check(tx, healthy.id, CheckState(
                checked_at=NOW - timedelta(minutes=1), interval=120,
                next_check_at=NOW + timedelta(minutes=1), validators=Validators(),
                title="Storm live", found_new=True))
            # A story from February, first seen by the bot in July.
            await entries.add(tx, healthy.id, Entry("u1", datetime(2024, 2, 3, 14, 52, tzinfo=UTC),
                                                    "The storm reaches the coast."), now=NOW)
            failing = await stories.add(tx, "https://news.example/b", now=NOW, interval=120)
            for _ in range(3):
                await stories.record_failure(tx, failing.id, now=NOW - timedelta(minutes=2),
                                             error="HTTP 503 from news.example",
                                             next_check_at=NOW - timedelta(seconds=5))
            for story in (healthy, failing, ended):
                await subscriptions.subscribe(tx, chat.id, story.id, now=NOW)
        yield CommandLayer(Context(db, NoChecks(), lambda: NOW))


async def test_a_member_is_refused_as_for_filter(layer: CommandLayer) -> None:
    """A member of a shared chat gets the usual not-allowed reply."""
    reply = await layer.run_text(caller(admin=False), "/status")
    assert reply is not None and reply.text == NOT_ADMIN


async def test_an_admin_sees_each_story_in_the_chats_zone(layer: CommandLayer) -> None:
    """The page's newest update and when the bot found it, last and next check and errors
    per story, times in the chat's zone (GMT in February, BST in July)."""
    reply = await layer.run_text(caller(admin=True), "/status")
    assert reply is not None and reply.private
    lines = reply.text.splitlines()
    assert lines[0] == "Status of the 3 stories followed here (times in Europe/London):"
    assert lines[1] == "Alerts: not muted; one message per update (no digest)."
    assert lines[2:6] == [
        "1. “Storm live” — active",
        "   last update 2024-02-03 14:52 GMT (page time), last found new 2024-07-01 12:59 BST",
        "   last check 2024-07-01 12:59 BST, next check 2024-07-01 13:01 BST",
        "   errors: none"]
    assert lines[6:10] == [
        "2. https://news.example/b — failing",
        "   last update none seen (page time), last found new not yet",
        "   last check 2024-07-01 12:58 BST, next check due now",
        "   errors: 3 failed checks in a row, the last: HTTP 503 from news.example"]
    assert lines[10] == "3. https://news.example/c — ended"
    assert "next check none (retired" in lines[12]


@pytest.mark.parametrize(("commands", "expected"), [
    (["/mute 2h"], "Alerts: muted until 2024-07-01 15:00 BST; one message per update"
                   " (no digest)."),
    (["/digest every 2h"], "Alerts: not muted; a digest every 2 hours."),
    (["/digest daily 08:00", "/mute 30m"],
     "Alerts: muted until 2024-07-01 13:30 BST; a digest daily at 08:00."),
])
async def test_status_shows_mute_and_digest(layer: CommandLayer, commands: list[str],
                                            expected: str) -> None:
    for command in commands:
        await layer.run_text(caller(admin=True), command)
    reply = await layer.run_text(caller(admin=True), "/status")
    assert reply is not None and reply.text.splitlines()[1] == expected


async def test_status_takes_no_arguments(layer: CommandLayer) -> None:
    """/status with an argument gets a one-line reason and an example."""
    reply = await layer.run_text(caller(admin=True), "/status now")
    assert reply is not None and "example: /status" in reply.text
