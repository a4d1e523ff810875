"""/subscribe, /unsubscribe and /list through the command layer. A new story's first check
is the Poller's, as every check is: never two at once, and a slow one answered later."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.core.model import ChatRef, Notice
from handlers.commands import CommandLayer
from storage import outbox, subscriptions
from tests.handlers.conftest import GROUP, Commands, caller


async def notices(commands: Commands, ref: ChatRef = GROUP) -> list[str]:
    """The texts of the notices waiting for the chat at `ref`."""
    chat = await commands.chat(ref)
    assert chat is not None
    return [d.message.text for d in await outbox.list_for_chat(commands.db, chat.id)
            if isinstance(d.message, Notice)]


async def eventually_notified(commands: Commands) -> list[str]:
    async with asyncio.timeout(10):
        # The notice is written by a background task; storage has no change event to wait on.
        while not (found := await notices(commands)):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return found


async def test_subscribe_names_the_story_and_counts_its_updates(commands: Commands) -> None:
    """The reply names the story, its number in /list, its updates so far and the latest."""
    story = commands.story(posts=4)
    reply = await commands.run(f"/subscribe {story.url}")
    assert reply.text.startswith("Following “Storm live” (number 1 in /list): 4 updates so far.")
    assert "Latest, 2024-02-03 10:03 UTC: Headline 4" in reply.text
    listed = await commands.run("/list")
    assert "1. “Storm live” — active" in listed.text and listed.private


async def test_a_story_is_never_checked_twice_at_once(commands: Commands) -> None:
    """Two chats subscribing to a new story while the poll tick runs: one fetch, one check,
    and both replies show what it found."""
    story = commands.story(posts=2)
    gate = commands.web.gates[story.path] = asyncio.Event()
    other = caller(chat=ChatRef("telegram", "-1002"))
    first = asyncio.ensure_future(commands.run(f"/subscribe {story.url}"))
    await commands.web.wait_hits(story.path, 1)
    second = asyncio.ensure_future(commands.run(f"/subscribe {story.url}", other))
    assert await commands.poller.tick() == 0  # due, but already being checked
    await asyncio.sleep(0.05)  # give a second fetch, were there one, time to arrive
    gate.set()
    replies = await asyncio.gather(first, second)
    assert all("2 updates so far" in reply.text for reply in replies)
    assert commands.web.hits[story.path] == 1


async def test_a_slow_first_check_is_answered_then_told_when_done(commands: Commands) -> None:
    """Past `first_check_wait` the chat follows the story at once; when the check ends, a
    notice tells the chat what it holds."""
    story = commands.story(posts=3)
    gate = commands.web.gates[story.path] = asyncio.Event()
    impatient = CommandLayer(replace(commands.context, first_check_wait=0.05))
    reply = await impatient.run_text(caller(), f"/subscribe {story.url}")
    assert reply is not None
    assert reply.text == (f"Following {story.url} (number 1 in /list): its first check is "
                          "still running; you will hear here when it is done.")
    chat = await commands.chat()
    assert chat is not None and len(await subscriptions.for_chat(commands.db, chat.id)) == 1
    gate.set()
    [told] = await eventually_notified(commands)
    assert told.startswith("Following “Storm live” (number 1 in /list): 3 updates so far.")


async def test_a_slow_first_check_that_fails_unfollows_and_says_why(commands: Commands) -> None:
    """A late first check that fails tells the chat why, and the chat follows nothing."""
    url = commands.web.set("/empty", "<html><body><p>No live updates here.</p></body></html>")
    gate = commands.web.gates["/empty"] = asyncio.Event()
    impatient = CommandLayer(replace(commands.context, first_check_wait=0.05))
    reply = await impatient.run_text(caller(), f"/subscribe {url}")
    assert reply is not None and "still running" in reply.text
    gate.set()
    [told] = await eventually_notified(commands)
    assert told == f"Can't follow {url}: the page yielded no updates"
    chat = await commands.chat()
    assert chat is not None and await subscriptions.for_chat(commands.db, chat.id) == []


async def test_a_failed_first_check_is_the_reply_and_nothing_is_kept(commands: Commands) -> None:
    """A page without updates cannot be followed: one private line, no chat stored."""
    url = commands.web.set("/empty", "<html><body><p>No live updates here.</p></body></html>")
    reply = await commands.run(f"/subscribe {url}")
    assert reply.private and reply.text == (f"Can't follow {url}: the page yielded no updates, "
                                            "and it links to no live page or feed")
    assert await commands.chat() is None


async def test_a_locked_chat_lets_only_admins_subscribe(commands: Commands) -> None:
    """Members may (un)subscribe until an admin locks the chat."""
    story = commands.story()
    await commands.run("/lock")
    refused = await commands.run(f"/subscribe {story.url}", caller(admin=False))
    assert refused.text == "This chat is locked: only an admin can (un)subscribe."
    await commands.run("/unlock")
    accepted = await commands.run(f"/subscribe {story.url}", caller(admin=False))
    assert accepted.text.startswith("Following “Storm live”")


async def test_unsubscribe_by_number_or_address(commands: Commands) -> None:
    """/unsubscribe takes the /list number or the URL; an unknown one is named."""
    first, second = commands.story("/a"), commands.story("/b")
    await commands.run(f"/subscribe {first.url}")
    await commands.run(f"/subscribe {second.url}")
    assert (await commands.run("/unsubscribe 1")).text == "Stopped following “Storm live”."
    assert (await commands.run(f"/unsubscribe {second.url}")).text.startswith("Stopped")
    missing = await commands.run("/unsubscribe 1")
    assert missing.text == "There is no subscription 1 here; /list shows the numbers."


async def test_list_of_a_chat_that_follows_nothing(commands: Commands) -> None:
    """A chat new to the bot is told how to start, privately."""
    reply = await commands.run("/list", caller(admin=False))
    assert reply.private and reply.text.startswith("This chat follows no story yet.")
