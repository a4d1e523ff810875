"""The buttons under /list on Discord, through the real discord.py client against the fake
Discord: message components on the /list answer, presses as component interactions (type 3),
each answered; a member with Manage Channels changes settings and the list is redrawn in
place, another member's press is answered privately and changes nothing, an old list's
button for a gone subscription says so."""

from __future__ import annotations

import copy
from typing import Any

from bot.core.model import Button, ChatRef
from bot.platforms.discord.components import view_of
from handlers.buttons import GONE
from handlers.commands import NOT_ADMIN
from storage import chats, subscriptions
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_limits import message_errors
from tests.fakes.web import WebServer
from tests.platforms.discord import test_bindings
from tests.platforms.discord.test_bindings import (
    ADMIN,
    CHANNEL,
    EPHEMERAL,
    Bot,
    live_page,
    option,
    subscribe,
)

REF = ChatRef("discord", CHANNEL)
UPDATE_MESSAGE, DEFERRED_UPDATE = 7, 6
bot = test_bindings.bot  # the bindings on a real client, as the composition root builds them
fake = test_bindings.fake


def labels(message: dict[str, Any]) -> list[list[str]]:
    """The buttons' labels of a message the fake holds, row by row."""
    return [[b["label"] for b in row["components"]] for row in message.get("components", [])]


def custom_id(message: dict[str, Any], label: str) -> str:
    [found] = [b["custom_id"] for row in message.get("components", [])
               for b in row["components"] if b["label"] == label]
    return str(found)


async def following(bot: Bot, web_server: WebServer, *paths: str) -> dict[str, Any]:
    """The channel follows a story at each path; returns the /list answer's message."""
    for path in paths:
        answer = await subscribe(bot, web_server.set(path, live_page(2)), permissions=ADMIN)
        assert "Following" in answer.content, answer.content
    sent = await bot.fake.send_command("list", [], permissions=0)
    await bot.fake.wait_until(lambda: sent["id"] in bot.fake.answers)
    return bot.fake.messages[bot.fake.answers[sent["id"]]]


async def press(fake: FakeDiscord, message: dict[str, Any], label: str,
                permissions: int) -> dict[str, Any]:
    """Press `label` under `message` as a member with `permissions`; the callback's body."""
    sent = await fake.press(message["id"], custom_id(message, label), permissions=permissions)
    await fake.wait_until(lambda: sent["id"] in fake.callbacks)
    return fake.callbacks[sent["id"]]


async def test_list_carries_buttons(bot: Bot, web_server: WebServer) -> None:
    """/list's private answer has the chat's row and a row per subscription."""
    message = await following(bot, web_server, "/a", "/b")
    assert message["flags"] & EPHEMERAL
    assert labels(message) == [["Mute 1 h", "Turn edits off"], ["1: Filters", "1: Unsubscribe"],
                               ["2: Filters", "2: Unsubscribe"]]


async def test_a_managers_press_mutes_and_redraws_the_list(bot: Bot, web_server: WebServer
                                                           ) -> None:
    """Manage Channels presses Mute 1 h: the list is updated in place (UPDATE_MESSAGE) to
    say so, with Unmute offered, and the channel is muted."""
    message = await following(bot, web_server, "/a")
    answer = await press(bot.fake, message, "Mute 1 h", ADMIN)
    assert answer["type"] == UPDATE_MESSAGE
    redrawn = bot.fake.messages[message["id"]]
    assert redrawn["content"].startswith("Muted until")
    assert labels(redrawn)[0] == ["Unmute", "Turn edits off"]
    chat = await chats.by_ref(bot.db, REF)
    assert chat is not None and chat.muted_until is not None
    await press(bot.fake, redrawn, "Turn edits off", ADMIN)
    chat = await chats.by_ref(bot.db, REF)
    assert chat is not None and not chat.edits
    assert labels(bot.fake.messages[message["id"]])[0] == ["Unmute", "Turn edits on"]


async def test_another_members_press_is_answered_privately(bot: Bot, web_server: WebServer
                                                          ) -> None:
    """Without Manage Channels, Mute 1 h is answered with an ephemeral refusal; nothing
    changes, the list included."""
    message = await following(bot, web_server, "/a")
    before = copy.deepcopy(message)
    answer = await press(bot.fake, message, "Mute 1 h", 0)
    assert answer["type"] == 4 and answer["data"]["content"] == NOT_ADMIN
    assert answer["data"]["flags"] & EPHEMERAL
    chat = await chats.by_ref(bot.db, REF)
    assert chat is not None and chat.muted_until is None
    assert bot.fake.messages[message["id"]]["content"] == before["content"]


async def test_unsubscribe_then_the_old_button_says_gone(bot: Bot, web_server: WebServer
                                                         ) -> None:
    """Unsubscribe from the list stops following that story; the old list's buttons for it
    then say it is gone, privately, and act on nothing else."""
    message = await following(bot, web_server, "/a", "/b")
    old = copy.deepcopy(message)
    answer = await press(bot.fake, message, "1: Unsubscribe", ADMIN)
    assert answer["type"] == UPDATE_MESSAGE
    redrawn = bot.fake.messages[message["id"]]
    assert redrawn["content"].startswith("Stopped following")
    assert labels(redrawn)[1:] == [["1: Filters", "1: Unsubscribe"]]
    chat = await chats.by_ref(bot.db, REF)
    assert chat is not None
    [left] = await subscriptions.for_chat(bot.db, chat.id)
    bot.fake.messages[old["id"]] = old  # a copy of the list as it was, still on screen
    for label in ("1: Unsubscribe", "1: Filters"):
        gone = await press(bot.fake, old, label, ADMIN)
        assert gone["data"]["content"] == GONE and gone["data"]["flags"] & EPHEMERAL
    assert await subscriptions.for_chat(bot.db, chat.id) == [left]


async def test_filters_shows_the_subscriptions_filters(bot: Bot, web_server: WebServer
                                                       ) -> None:
    """Filters puts /filter N list's answer on top of the list, for any member."""
    message = await following(bot, web_server, "/a")
    sent = await bot.fake.send_command("filter", [{"name": "add", "type": 1, "options": [
        option("words", "storm"), option("number", 1, 4)]}], permissions=ADMIN)
    await bot.fake.wait_until(lambda: sent["id"] in bot.fake.callbacks)
    answer = await press(bot.fake, message, "1: Filters", 0)
    assert answer["type"] == UPDATE_MESSAGE
    content = bot.fake.messages[message["id"]]["content"]
    assert content.startswith("Filters of subscription 1: include storm.")


def test_a_full_page_of_buttons_fits_discords_rows() -> None:
    """Ten subscriptions' buttons (a page of /list) and the chat's row fit Discord's five rows
    of five: the chat's row first, then the rest flowed, none lost, none over a row's five."""
    rows = ((Button("Mute 1 h", "sw1:m:1"), Button("Turn edits off", "sw1:e0:1")),
            *((Button(f"{n}: Filters", f"sw1:f:1:{n}:a"),
               Button(f"{n}: Unsubscribe", f"sw1:u:1:{n}:a")) for n in range(1, 11)))
    view = view_of(rows)
    assert view is not None
    laid = view.to_components()
    assert len(laid) == 5 and all(len(row["components"]) <= 5 for row in laid)
    assert [b["label"] for b in laid[0]["components"]] == ["Mute 1 h", "Turn edits off"]
    ids = [b["custom_id"] for row in laid for b in row["components"]]
    assert ids == [b.data for row in rows for b in row]
    assert message_errors({"content": "list", "components": laid}) is None


async def test_a_slow_press_is_deferred_then_the_list_redrawn(bot: Bot, web_server: WebServer
                                                             ) -> None:
    """A press that waits on storage past PATIENCE is deferred at once (a deferred update,
    within Discord's 3 s), then the pressed message is redrawn."""
    message = await following(bot, web_server, "/a")
    async with bot.db.write():  # the database busy with another write
        sent = await bot.fake.press(message["id"], custom_id(message, "Mute 1 h"),
                                    permissions=ADMIN)
        await bot.fake.wait_until(lambda: sent["id"] in bot.fake.callbacks)
    assert bot.fake.callbacks[sent["id"]]["type"] == DEFERRED_UPDATE
    await bot.fake.wait_until(
        lambda: bot.fake.messages[message["id"]]["content"].startswith("Muted until"))
    assert labels(bot.fake.messages[message["id"]])[0] == ["Unmute", "Turn edits off"]
    assert not [c for c in bot.fake.calls if c.status >= 400]


async def test_a_long_list_keeps_its_buttons_and_is_redrawn_within_the_limit(
        bot: Bot, web_server: WebServer) -> None:
    """A /list longer than one Discord message comes in pieces, the buttons under the last;
    redrawn after a press it is cut at a line within 2000 characters, saying so."""
    paths = [f"/{n}-" + "long-path-" * 25 for n in range(1, 8)]
    for path in paths:
        answer = await subscribe(bot, web_server.set(path, live_page(2)), permissions=ADMIN)
        assert "Following" in answer.content
    sent = await bot.fake.send_command("list", [], permissions=0)
    await bot.fake.wait_until(lambda: len(bot.fake.followups.get(sent["id"], [])) >= 1)
    first = bot.fake.messages[bot.fake.answers[sent["id"]]]
    [last] = bot.fake.followups[sent["id"]]
    assert not first["components"]
    laid = labels(last)  # 8 rows of buttons, laid out in Discord's 5 at most
    assert len(laid) == 4 and sum(len(row) for row in laid) == 2 + 2 * 7
    await press(bot.fake, last, "Turn edits off", ADMIN)
    redrawn = bot.fake.messages[last["id"]]
    assert redrawn["content"].startswith("Edits off")
    assert len(redrawn["content"]) <= 2000 and redrawn["content"].endswith("(the rest: /list)")
    assert labels(redrawn)[0] == ["Mute 1 h", "Turn edits on"]
