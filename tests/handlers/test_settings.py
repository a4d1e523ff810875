"""/filter, /mute, /unmute, /digest, /timezone, /edits, /lock and /unlock through the command
layer: admins change them; anyone may see the filters, privately."""

from __future__ import annotations

from datetime import timedelta

from handlers.commands import NOT_ADMIN
from tests.handlers.conftest import NOW, Commands, caller


async def test_members_may_see_the_filters_but_only_admins_change_them(
        commands: Commands) -> None:
    """/filter add by a member is refused; /filter list is answered to them privately."""
    refused = await commands.run('/filter add iran "red sea"', caller(admin=False))
    assert refused.text == NOT_ADMIN and refused.private
    added = await commands.run('/filter add iran "red sea"')
    assert added.text == 'Filters of this chat: include iran, "red sea".' and not added.private
    shown = await commands.run("/filter", caller(admin=False))
    assert shown.text == added.text and shown.private


async def test_a_number_without_that_subscription_changes_nothing(commands: Commands) -> None:
    """/filter 9 add x in a chat without subscription 9 is an error that says how to filter
    on the word 9, and the chat's filters stay as they were; after the action, 9 is a word."""
    reply = await commands.run("/filter 9 add x")
    assert reply.text == ("There is no subscription 9 here; /list shows the numbers"
                          " (to filter on the word 9: /filter add 9).")
    assert (await commands.run("/filter list")).text == "Filters of this chat: none."
    assert (await commands.run("/filter add 9")).text == "Filters of this chat: include 9."


async def test_mute_holds_until_its_end_as_the_chat_tells_time(commands: Commands) -> None:
    """/mute 90m says until when, in the chat's zone; /unmute ends it, once."""
    await commands.run("/timezone europe/paris")
    muted = await commands.run("/mute 90m")
    assert muted.text.startswith("Muted until 2024-02-03 14:30 CET")
    commands.clock.advance(timedelta(minutes=10).total_seconds())
    assert (await commands.run("/unmute")).text.startswith("Unmuted.")
    assert (await commands.run("/unmute")).text == "This chat is not muted."


async def test_every_setting_is_for_admins(commands: Commands) -> None:
    """Each setting refuses a member and leaves the chat as it was."""
    for text in ("/mute 1h", "/unmute", "/digest off", "/timezone UTC", "/edits off", "/lock",
                 "/unlock", "/status"):
        reply = await commands.run(text, caller(admin=False))
        assert reply.text == NOT_ADMIN, text
    assert await commands.chat() is None


async def test_digest_daily_follows_the_zone(commands: Commands) -> None:
    """A daily digest keeps its wall-clock time when the chat's zone changes."""
    reply = await commands.run("/digest daily 08:00")
    assert reply.text == ("Digest daily at 08:00 (UTC); the next at 2024-02-04 08:00 UTC.")
    await commands.run("/timezone America/New_York")
    chat = await commands.chat()
    assert chat is not None and chat.digest_at == "08:00"
    assert chat.next_digest_at == NOW.replace(hour=13)  # 08:00 in New York


async def test_edits_and_lock_are_stored(commands: Commands) -> None:
    """/edits off and /lock change the chat's settings."""
    assert (await commands.run("/edits off")).text.startswith("Edits off")
    assert (await commands.run("/lock")).text == "Locked: only admins can (un)subscribe here."
    chat = await commands.chat()
    assert chat is not None and not chat.edits and chat.locked
