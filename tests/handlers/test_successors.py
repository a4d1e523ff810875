"""/successors [N] on|off through the command layer: admins decide whether a chat's
subscriptions (or one of them) move to the page that continues their story."""

from __future__ import annotations

from datetime import timedelta

from handlers.commands import NOT_ADMIN
from storage import stories, subscriptions
from tests.handlers.conftest import NOW, Commands, caller


async def moved_by_a_successor(commands: Commands, path: str) -> bool:
    """Whether the chat's subscription moves to a fresh successor of its story (storage's
    move; moved back afterwards for the next question)."""
    old = await stories.by_url(commands.db, commands.web.url("/live"))
    assert old is not None
    async with commands.db.write() as tx:
        new = await stories.add(tx, commands.web.url(path), now=NOW, interval=60)
        moved = await subscriptions.move_to_successor(tx, old.id, new.id)
        await subscriptions.move_to_successor(tx, new.id, old.id)  # back, for the next ask
    return bool(moved)


async def test_successors_is_for_admins_and_says_how_to_use_it(commands: Commands) -> None:
    """A member is refused; a wrong argument or number gets one line with an example."""
    assert (await commands.run("/successors off", caller(admin=False))).text == NOT_ADMIN
    assert await commands.chat() is None
    wrong = await commands.run("/successors maybe")
    assert wrong.text == ("/successors takes on or off, not 'maybe'; "
                          "example: /successors off  (or /successors 2 on)")
    assert "no subscription 3" in (await commands.run("/successors 3 off")).text
    assert "example: /successors" in (await commands.run("/successors")).text


async def test_the_chat_setting_and_a_subscription_s_own(commands: Commands) -> None:
    """On by default; /successors off keeps the chat's subscriptions on their pages;
    /successors 1 on overrides it for subscription 1; a chat-wide setting clears that."""
    commands.story()
    assert (await commands.run(f"/subscribe {commands.web.url('/live')}")).text.startswith(
        "Following")
    commands.clock.advance(timedelta(minutes=1).total_seconds())
    assert await moved_by_a_successor(commands, "/next-1")
    assert (await commands.run("/successors off")).text.startswith("Successors off")
    assert not await moved_by_a_successor(commands, "/next-2")
    reply = await commands.run("/successors 1 on")
    assert reply.text.startswith("Successors on for subscription 1")
    assert await moved_by_a_successor(commands, "/next-3")
    await commands.run("/successors off")
    assert not await moved_by_a_successor(commands, "/next-4")
