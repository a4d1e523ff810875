"""The buttons under /list on Telegram, through the real python-telegram-bot against the fake
Bot API: an inline keyboard, presses as callback queries, each answered once; an admin's
press changes the chat's settings and the list in place, a member's is refused with an
alert, an old list's button for a gone subscription says so."""

from __future__ import annotations

import copy
from typing import Any

from bot.core.model import ChatRef
from handlers.buttons import GONE
from handlers.commands import NOT_ADMIN
from storage import subscriptions
from tests.fakes import telegram_updates as updates
from tests.platforms.telegram import test_bindings
from tests.platforms.telegram.test_bindings import (
    ADMIN,
    FORUM,
    GROUP,
    MEMBER,
    WAIT,
    World,
    live_page,
)

REF = ChatRef("telegram", str(GROUP))
world = test_bindings.world  # the bot as `storywatch run` composes it for Telegram


def keyboard(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline keyboard of a message the fake holds."""
    return list((message.get("reply_markup") or {}).get("inline_keyboard", []))


def data_of(message: dict[str, Any], label: str) -> str:
    """The callback data of the button labelled `label` under `message`."""
    [found] = [b["callback_data"] for row in keyboard(message) for b in row
               if b["text"] == label]
    return str(found)


async def following(world: World, *paths: str) -> dict[str, Any]:
    """The group follows a story at each path (its admin asked); returns the /list message
    the fake holds."""
    world.fake.set_member(GROUP, ADMIN, "administrator")
    for path in paths:
        world.web.set(path, live_page(2))
        reply = await world.ask(updates.group_command(GROUP, ADMIN,
                                                      f"/subscribe {world.web.url(path)}"), GROUP)
        assert reply["text"].startswith("Following"), reply["text"]
    return await listed(world)


async def listed(world: World) -> dict[str, Any]:
    """Ask /list in the group; the message the bot sent."""
    await world.ask(updates.group_command(GROUP, MEMBER, "/list"), GROUP)
    return world.fake.messages[(str(GROUP), max(i for c, i in world.fake.messages
                                                if c == str(GROUP)))]


async def press(world: World, message: dict[str, Any], user_id: int, label: str
                ) -> dict[str, Any]:
    """Press the button `label` under `message` as `user_id`; the answerCallbackQuery params."""
    query = world.fake.press(GROUP, message["message_id"], user_id, data_of(message, label))
    await world.fake.wait_for(lambda _: world.fake.queries[query] is not None, WAIT)
    answer = world.fake.queries[query]
    assert answer is not None
    return answer


async def edited(world: World, message: dict[str, Any], count: int) -> dict[str, Any]:
    """The list message after its `count`-th edit."""
    def edits(calls: list[Any]) -> bool:
        return len([c for c in calls if c.method == "editMessageText"
                    and c.params["message_id"] == message["message_id"]]) >= count

    await world.fake.wait_for(edits, WAIT)
    return world.fake.messages[(str(GROUP), message["message_id"])]


async def test_list_carries_an_inline_keyboard(world: World) -> None:
    """/list answers with the chat's row and one row per subscription."""
    message = await following(world, "/a", "/b")
    assert [[b["text"] for b in row] for row in keyboard(message)] == [
        ["Mute 1 h", "Turn edits off"], ["1: Filters", "1: Unsubscribe"],
        ["2: Filters", "2: Unsubscribe"]]


async def test_an_admins_press_mutes_and_updates_the_list(world: World) -> None:
    """An admin's Mute 1 h: a toast, the chat muted, the list edited to say so with Unmute
    offered; Unmute then undoes it."""
    message = await following(world, "/a")
    answer = await press(world, message, ADMIN, "Mute 1 h")
    assert answer["text"].startswith("Muted until") and not answer.get("show_alert")
    now_listed = await edited(world, message, 1)
    assert now_listed["text"].startswith("Muted until")
    assert "Stories followed here (1):" in now_listed["text"]
    chat = await world.chat(REF)
    assert chat is not None and chat.muted_until is not None
    answer = await press(world, now_listed, ADMIN, "Unmute")
    assert answer["text"].startswith("Unmuted")
    again = await edited(world, message, 2)
    assert data_of(again, "Mute 1 h")
    chat = await world.chat(REF)
    assert chat is not None and chat.muted_until is not None
    assert "Muted until" not in again["text"]


async def test_a_members_press_is_answered_with_an_alert_and_changes_nothing(
        world: World) -> None:
    """A member (not an admin) pressing Turn edits off is told only admins can; edits stay
    on and the list stays as it was."""
    message = await following(world, "/a")
    answer = await press(world, message, MEMBER, "Turn edits off")
    assert answer["text"] == NOT_ADMIN and answer["show_alert"] is True
    chat = await world.chat(REF)
    assert chat is not None and chat.edits
    assert not world.fake.calls_to("editMessageText")
    assert world.fake.calls_to("getChatMember")  # asked of Telegram, as for typed commands


async def test_an_admin_unsubscribes_and_old_buttons_say_it_is_gone(world: World) -> None:
    """Unsubscribe from the list stops following that story and redraws the list; the old
    list's buttons for it then say it is gone and act on nothing else."""
    message = await following(world, "/a", "/b")
    sent_keyboard = copy.deepcopy(message["reply_markup"])
    answer = await press(world, message, ADMIN, "1: Unsubscribe")
    assert answer["text"].startswith("Stopped following")
    redrawn = await edited(world, message, 1)
    assert "Stories followed here (1):" in redrawn["text"]
    chat = await world.chat(REF)
    assert chat is not None
    [left] = await subscriptions.for_chat(world.db, chat.id)
    assert redrawn["reply_markup"] != sent_keyboard
    # A list sent before the unsubscribe, elsewhere, still has the old buttons.
    older = await listed(world)
    stale = {**older, "reply_markup": sent_keyboard}
    world.fake.messages[(str(GROUP), older["message_id"])] = stale
    for label in ("1: Unsubscribe", "1: Filters"):
        answer = await press(world, stale, ADMIN, label)
        assert answer["text"] == GONE and answer["show_alert"] is True
    assert await subscriptions.for_chat(world.db, chat.id) == [left]


async def test_filters_button_shows_that_subscriptions_filters(world: World) -> None:
    """Filters puts /filter N list's answer on top of the list, for any member."""
    message = await following(world, "/a")
    await world.ask(updates.group_command(GROUP, ADMIN, "/filter 1 add storm"), GROUP)
    answer = await press(world, message, MEMBER, "1: Filters")
    assert answer["text"] == "Filters of subscription 1: include storm."
    shown = await edited(world, message, 1)
    assert shown["text"].startswith("Filters of subscription 1: include storm.")


async def test_every_press_is_answered_even_forged_or_failing(world: World) -> None:
    """A press with data that is no button of ours, and one under a message the bot cannot
    read any more, are each answered once."""
    message = await following(world, "/a")
    forged = world.fake.press(GROUP, message["message_id"], ADMIN, "sw1:u:1:999:zz")
    old = {**message, "date": 0}  # Telegram's inaccessible message: older than 48 hours
    world.fake.messages[(str(GROUP), 999_999)] = old
    inaccessible = world.fake.press(GROUP, 999_999, ADMIN, data_of(message, "Mute 1 h"))
    await world.fake.wait_for(lambda _: all(world.fake.queries[q] is not None
                                            for q in (forged, inaccessible)), WAIT)
    refused, too_old = world.fake.queries[forged], world.fake.queries[inaccessible]
    assert refused is not None and refused["show_alert"] is True
    assert too_old is not None and "too old" in too_old["text"]
    chat = await world.chat(REF)
    assert chat is not None and chat.muted_until is None


async def test_a_press_in_a_forum_topic_acts_on_that_topic(world: World) -> None:
    """A forum topic is a chat of its own: Mute 1 h under its /list mutes that topic alone."""
    world.fake.set_member(FORUM, ADMIN, "administrator")
    url = world.web.set("/topic", live_page(2))
    for thread in (77, 88):
        await world.ask(updates.topic_command(FORUM, thread, ADMIN, f"/subscribe {url}"), FORUM)
    await world.ask(updates.topic_command(FORUM, 77, ADMIN, "/list"), FORUM)
    message = world.fake.messages[(str(FORUM), max(i for c, i in world.fake.messages
                                                   if c == str(FORUM)))]
    assert message["message_thread_id"] == 77
    query = world.fake.press(FORUM, message["message_id"], ADMIN, data_of(message, "Mute 1 h"))
    await world.fake.wait_for(lambda _: world.fake.queries[query] is not None, WAIT)
    muted = await world.chat(ChatRef("telegram", str(FORUM), "77"))
    other = await world.chat(ChatRef("telegram", str(FORUM), "88"))
    assert muted is not None and muted.muted_until is not None
    assert other is not None and other.muted_until is None
