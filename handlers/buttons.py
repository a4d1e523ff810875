"""Buttons under /list: a chat's settings and each subscription's, pressed instead of typed.

A page of /list carries a row for the chat (mute 1 h or unmute, edits on or off: both are
the chat's, as /mute and /edits are) and a row per subscription shown (its filters, as
/filter N list shows them, and unsubscribe). A press is the typed command it stands for
(`command_of`), which the command layer runs with that command's access rules.

A button's data (at most 64 bytes, Telegram's limit; Discord allows 100) names its action,
the /list page it sits on and, for a subscription's, the subscription's id and when it was
made, as `sw1:u:2:417:lr8d0kq2`. Not its number: numbers shift when another subscription
goes. The time as well as the id: SQLite hands a deleted row's id to the next new row, so
an old list's button finds the very subscription it was made for, or says it is gone, and
never acts on another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import NotFound
from bot.core.model import Button, ButtonRows, ChatRef
from handlers.caller import Reply
from handlers.command_values import (
    Command,
    FilterList,
    ListSubscriptions,
    Mute,
    SetEdits,
    Unmute,
    Unsubscribe,
)
from handlers.context import Context
from storage import stories, subscriptions
from storage.subscriptions import Subscription

PREFIX = "sw1"
MUTE_FOR = timedelta(hours=1)
MAX_DATA_BYTES = 64
GONE = "This subscription is gone (unsubscribed since this list was sent); /list shows what " \
       "this chat follows now."
STALE = "This button is out of date; /list shows this chat's subscriptions with fresh ones."
_CHAT_ACTIONS = {"m": Mute(MUTE_FOR), "um": Unmute(), "e1": SetEdits(True), "e0": SetEdits(False)}
_PAGE = r"(?P<page>[1-9][0-9]{0,5})"
_CHAT_DATA = re.compile(rf"{PREFIX}:(?P<action>m|um|e1|e0):{_PAGE}")
_SUBSCRIPTION_DATA = re.compile(
    rf"{PREFIX}:(?P<action>f|u):{_PAGE}:(?P<id>[0-9]{{1,19}}):(?P<stamp>[0-9a-z]{{1,13}})")


@dataclass(frozen=True, slots=True)
class Press:
    """A pressed button read back: its action, the /list page it was on and, for a
    subscription's button, that subscription's id and creation stamp."""

    action: str
    page: int
    subscription_id: int | None = None
    stamp: str = ""


@dataclass(frozen=True, slots=True)
class Pressed:
    """What a press did, for the platform to show.

    `refused`: nothing changed (the caller may not, the subscription is gone, a flood of
    presses); `text` says why to the presser alone ("" when nothing needs saying). Otherwise
    `text` is what the typed command answers, and `page` is the pressed /list page as it is
    now, that text on top, with fresh buttons, to show in place of the pressed one.
    """

    text: str
    refused: bool = False
    page: Reply | None = None


async def for_command(context: Context, ref: ChatRef, command: Command) -> ButtonRows:
    """The buttons under the reply to `command`: /list's page gets its settings; others none."""
    if not isinstance(command, ListSubscriptions):
        return ()
    return await list_buttons(context, ref, command.page)


async def list_buttons(context: Context, ref: ChatRef, page: int) -> ButtonRows:
    """The chat's row and a row per subscription on page `page` of /list (none when it
    follows nothing)."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    if chat is None or not following:
        return ()
    muted = chat.muted_until is not None and chat.muted_until > context.clock()
    edits = chat.edits
    rows = [(Button("Unmute", _data("um", page)) if muted
             else Button("Mute 1 h", _data("m", page)),
             Button("Turn edits off", _data("e0", page)) if edits
             else Button("Turn edits on", _data("e1", page)))]
    size = context.limits.page_size
    start = (page - 1) * size
    for number, subscription in enumerate(following[start:start + size], start + 1):
        rows.append((Button(f"{number}: Filters", _data("f", page, subscription)),
                     Button(f"{number}: Unsubscribe", _data("u", page, subscription))))
    return tuple(rows)


def parse(data: str) -> Press:
    """The press that `data` (a button's, as `list_buttons` made it) stands for.

    Raises NotFound (STALE) for data that is not a button of ours: another version's, or
    forged.
    """
    chat = _CHAT_DATA.fullmatch(data)
    if chat is not None:
        return Press(chat["action"], int(chat["page"]))
    mine = _SUBSCRIPTION_DATA.fullmatch(data)
    if mine is not None:
        return Press(mine["action"], int(mine["page"]), int(mine["id"]), mine["stamp"])
    raise NotFound(STALE)


async def command_of(context: Context, ref: ChatRef, press: Press) -> Command:
    """The typed command a press stands for, in the chat it was pressed in.

    Raises NotFound (GONE) when the subscription it names no longer exists in this chat.
    """
    chat_action = _CHAT_ACTIONS.get(press.action)
    if chat_action is not None:
        return chat_action
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    number, subscription = next(
        ((n, s) for n, s in enumerate(following, 1)
         if s.id == press.subscription_id and _stamp(s.created_at) == press.stamp),
        (0, None))
    story = await stories.get(context.db, subscription.story_id) if subscription else None
    if story is None:
        raise NotFound(GONE)
    if press.action == "f":
        return FilterList(number)
    # By its URL, not its number: the number may shift before the command runs.
    return Unsubscribe(story.url)


async def current_page(context: Context, ref: ChatRef, page: int) -> ListSubscriptions:
    """/list's page `page`, or its last page when fewer remain."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    size = context.limits.page_size
    return ListSubscriptions(max(1, min(page, (len(following) + size - 1) // size)))


async def page_after(context: Context, ref: ChatRef, outcome: str, listing: str, page: int
                     ) -> Reply:
    """/list's page `page` (its text `listing`) with `outcome` on top and its buttons."""
    return Reply(f"{outcome}\n\n{listing}", buttons=await list_buttons(context, ref, page))


def _data(action: str, page: int, subscription: Subscription | None = None) -> str:
    data = f"{PREFIX}:{action}:{page}"
    if subscription is not None:
        data += f":{subscription.id}:{_stamp(subscription.created_at)}"
    assert len(data.encode()) <= MAX_DATA_BYTES, data
    return data


def _stamp(created_at: datetime) -> str:
    """When a subscription was made, to the millisecond, in base 36."""
    return _base36(round(created_at.timestamp() * 1000))


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text
