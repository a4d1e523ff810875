"""Buttons under /list through the command layer: a press is the typed command it stands for,
with the same access rules; an old list's button never acts on another subscription."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.model import Button, ChatRef
from handlers.buttons import GONE, MAX_DATA_BYTES, STALE
from handlers.commands import NOT_ADMIN, CommandLayer, Reply
from storage import filters, subscriptions
from tests.handlers.conftest import GROUP, Commands, caller

NOW_PLUS_HOUR = "2024-02-03 13:00 UTC"


def button(reply: Reply, label: str) -> Button:
    """The button of `reply` whose label is `label`."""
    found = [b for row in reply.buttons for b in row if b.label == label]
    assert len(found) == 1, [b.label for row in reply.buttons for b in row]
    return found[0]


async def followed(commands: Commands, *paths: str) -> Reply:
    """The group follows a story at each path; returns its /list."""
    for path in paths:
        story = commands.story(path, posts=2)
        assert (await commands.run(f"/subscribe {story.url}")).text.startswith("Following")
        commands.clock.advance(1)
    return await commands.run("/list")


async def test_list_has_a_chat_row_and_a_row_per_subscription(commands: Commands) -> None:
    """/list shows mute and edits for the chat, filters and unsubscribe per story, all
    within Telegram's 64 bytes of data."""
    listed = await followed(commands, "/a", "/b")
    labels = [[b.label for b in row] for row in listed.buttons]
    assert labels == [["Mute 1 h", "Turn edits off"], ["1: Filters", "1: Unsubscribe"],
                      ["2: Filters", "2: Unsubscribe"]]
    assert all(len(b.data.encode()) <= MAX_DATA_BYTES for row in listed.buttons for b in row)
    assert (await commands.run("/help")).buttons == ()


async def test_an_admin_mutes_and_unmutes_with_buttons(commands: Commands) -> None:
    """Mute 1 h mutes the chat as /mute 1h does; the list then offers Unmute."""
    listed = await followed(commands, "/a")
    pressed = await commands.layer.press(caller(), button(listed, "Mute 1 h").data)
    assert not pressed.refused and pressed.text.startswith(f"Muted until {NOW_PLUS_HOUR}.")
    chat = await commands.chat()
    assert chat is not None and chat.muted_until == commands.clock() + timedelta(hours=1)
    assert pressed.page is not None
    now_listed = await commands.run("/list")  # the list redrawn is /list's, as it is now
    assert pressed.page.text == f"{pressed.text}\n\n{now_listed.text}"
    assert pressed.page.buttons == now_listed.buttons
    assert f"Muted until {NOW_PLUS_HOUR}." in now_listed.text
    again = await commands.layer.press(caller(), button(pressed.page, "Unmute").data)
    assert again.text.startswith("Unmuted.")
    assert again.page is not None and button(again.page, "Mute 1 h")


async def test_an_admin_toggles_edits(commands: Commands) -> None:
    """Turn edits off/on sets the chat's edits as /edits does."""
    listed = await followed(commands, "/a")
    pressed = await commands.layer.press(caller(), button(listed, "Turn edits off").data)
    assert pressed.text.startswith("Edits off")
    chat = await commands.chat()
    assert chat is not None and not chat.edits
    assert pressed.page is not None
    await commands.layer.press(caller(), button(pressed.page, "Turn edits on").data)
    chat = await commands.chat()
    assert chat is not None and chat.edits


async def test_filters_show_that_subscriptions_filters(commands: Commands) -> None:
    """Filters answers as /filter N list does, for anyone."""
    listed = await followed(commands, "/a", "/b")
    await commands.run("/filter 2 add iran")
    pressed = await commands.layer.press(caller(admin=False), button(listed, "2: Filters").data)
    assert not pressed.refused
    assert pressed.text == "Filters of subscription 2: include iran."


async def test_a_non_admin_press_is_refused_and_changes_nothing(commands: Commands) -> None:
    """A member's Mute 1 h is answered with the admin rule; the chat stays unmuted."""
    listed = await followed(commands, "/a")
    pressed = await commands.layer.press(caller(admin=False), button(listed, "Mute 1 h").data)
    assert pressed.refused and pressed.text == NOT_ADMIN and pressed.page is None
    chat = await commands.chat()
    assert chat is not None and chat.muted_until is None


async def test_unsubscribe_follows_the_lock(commands: Commands) -> None:
    """Members may unsubscribe with a button unless the chat is locked, as when typed; in a
    channel, where every reader sees the buttons, only its admins may."""
    listed = await followed(commands, "/a")
    await commands.run("/lock")
    pressed = await commands.layer.press(caller(admin=False), button(listed, "1: Unsubscribe").data)
    assert pressed.refused and "locked" in pressed.text
    channel = ChatRef("telegram", "-1009")
    reader = caller(admin=False, chat=channel, kind="channel")
    story = commands.story("/c", posts=2)
    await commands.run(f"/subscribe {story.url}", caller(chat=channel, kind="channel"))
    in_channel = await commands.run("/list", caller(chat=channel, kind="channel"))
    refused = await commands.layer.press(reader, button(in_channel, "1: Unsubscribe").data)
    assert refused.refused and refused.text == NOT_ADMIN
    chat = await commands.chat(channel)
    assert chat is not None and len(await subscriptions.for_chat(commands.db, chat.id)) == 1


async def test_an_old_lists_button_never_acts_on_another_subscription(
        commands: Commands) -> None:
    """After an unsubscribe shifts the numbers, the old list's buttons still name their
    own subscription; a gone one says so, even once the story is followed again."""
    listed = await followed(commands, "/a", "/b")
    first = await commands.layer.press(caller(), button(listed, "1: Unsubscribe").data)
    assert first.text.startswith("Stopped following")
    assert first.page is not None and [b.label for b in first.page.buttons[1]] == [
        "1: Filters", "1: Unsubscribe"]
    await commands.run("/filter 1 add storm")  # subscription 1 is now /b
    gone = await commands.layer.press(caller(), button(listed, "1: Filters").data)
    assert gone.refused and gone.text == GONE
    again = await commands.layer.press(caller(), button(listed, "1: Unsubscribe").data)
    assert again.refused and again.text == GONE
    chat = await commands.chat()
    assert chat is not None
    remaining = await subscriptions.for_chat(commands.db, chat.id)
    assert len(remaining) == 1
    words = await filters.of_level(commands.db, chat.id, remaining[0].id)
    assert words.include == ("storm",)
    moved = await commands.layer.press(caller(), button(listed, "2: Unsubscribe").data)
    assert moved.text.startswith("Stopped following")
    assert await subscriptions.for_chat(commands.db, chat.id) == []


async def test_a_button_of_a_subscription_made_again_is_gone(commands: Commands) -> None:
    """Unsubscribed and followed again, a story's subscription is a new one (even where the
    database hands it the old id): the old list's button says it is gone."""
    listed = await followed(commands, "/a")
    chat = await commands.chat()
    assert chat is not None
    [before] = await subscriptions.for_chat(commands.db, chat.id)
    await commands.run("/unsubscribe 1")
    await followed(commands, "/a")
    [after] = await subscriptions.for_chat(commands.db, chat.id)
    for label in ("1: Unsubscribe", "1: Filters"):
        pressed = await commands.layer.press(caller(), button(listed, label).data)
        assert pressed.refused and pressed.text == GONE
    assert await subscriptions.for_chat(commands.db, chat.id) == [after]
    assert after.id == before.id or commands.db.dialect != "sqlite"


async def test_forged_data_is_refused(commands: Commands) -> None:
    """Data that is no button of ours changes nothing and says the button is out of date."""
    await followed(commands, "/a")
    for data in ("sw1:u:1:1", "sw1:x:1", "sw1:m:0", "other", "sw1:u:1:1:zz:extra",
                 "sw1:u:1:\u00b2:zz", "sw1:m:\u0663", "sw1:f:1:1:\u00e9", ""):
        pressed = await commands.layer.press(caller(), data)
        assert pressed.refused and pressed.text == STALE, data


async def test_another_chats_button_acts_on_nothing_here(commands: Commands) -> None:
    """A subscription's button data pressed in another chat (copied, or forged) names no
    subscription of that chat: gone, and nothing changes in either chat."""
    elsewhere = ChatRef("telegram", "-1002")
    story = commands.story("/a", posts=2)
    await commands.run(f"/subscribe {story.url}", caller(chat=elsewhere))
    theirs = await commands.run("/list", caller(chat=elsewhere))
    await followed(commands, "/b")
    pressed = await commands.layer.press(caller(), button(theirs, "1: Unsubscribe").data)
    assert pressed.refused and pressed.text == GONE
    for ref in (elsewhere, GROUP):
        chat = await commands.chat(ref)
        assert chat is not None and len(await subscriptions.for_chat(commands.db, chat.id)) == 1


async def test_presses_count_against_the_command_flood_limit(commands: Commands) -> None:
    """Presses are commands for the flood limit: past it one "slow down", then silence, and
    nothing changes meanwhile."""
    listed = await followed(commands, "/a")
    limits = replace(commands.context.limits, commands_per_minute=2)
    layer = CommandLayer(replace(commands.context, limits=limits))
    member = caller(admin=False)
    data = button(listed, "1: Filters").data
    answers = [await layer.press(member, data) for _ in range(4)]
    assert [a.refused for a in answers] == [False, False, True, True]
    assert answers[2].text.startswith("Slow down") and answers[3].text == ""
    mute = await layer.press(caller(user="8"), button(listed, "Mute 1 h").data)
    assert not mute.refused  # another user is not held by this one's flood
