"""The platform-neutral command layer (DESIGN §3): a command and facts about its caller in,
a reply out. Telegram, Discord and the console bind to it thinly.

Domain errors (BadArgument, NotAllowed, NotFound, FetchError) become the
reply's text here, so every binding answers them the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.errors import CommandError, FetchError, NotAllowed
from bot.model import ChatRef
from handlers import following, settings
from handlers.context import Context
from handlers.parse import (
    HELP_TEXT,
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterClear,
    FilterEdit,
    FilterList,
    Help,
    ListSubscriptions,
    Lock,
    Mute,
    SetTimezone,
    Subscribe,
    Unlock,
    Unmute,
    Unsubscribe,
    parse_command,
)

AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a command, and where. `is_admin` is asked only when a command needs it.

    `kind` is the chat's kind as the platform names it ('private', 'group',
    'supergroup', 'channel', 'guild', 'dm', 'console').
    """

    chat: ChatRef
    kind: str
    user_id: str
    is_admin: AdminCheck


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers. `private` replies concern only the caller (Discord: ephemeral)."""

    text: str
    private: bool = False


ADMIN_ONLY = (FilterEdit, FilterClear, Mute, Unmute, DigestOff, DigestEvery, DigestDaily,
              SetTimezone, Lock, Unlock)
MEMBERS_UNLESS_LOCKED = (Subscribe, Unsubscribe)
NOT_ADMIN = "Only an admin of this chat can do that."


class CommandLayer:
    """Carries out chat commands against storage; the one implementation behind every platform."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def run_text(self, caller: Caller, text: str, *, bot_username: str | None = None
                       ) -> Reply | None:
        """Parse and carry out `text`; None when it is not a command for this bot."""
        try:
            command = parse_command(text, bot_username=bot_username)
        except CommandError as error:
            return Reply(_sentence(str(error)), private=True)
        if command is None:
            return None
        return await self.run(caller, command)

    async def run(self, caller: Caller, command: Command) -> Reply:
        """Carry out one command for `caller`; every outcome is a reply."""
        try:
            await self._check_allowed(caller, command)
            text = await self._carry_out(caller, command)
        except (CommandError, FetchError) as error:
            return Reply(_sentence(str(error)), private=True)
        return Reply(text, private=isinstance(command, (Help, ListSubscriptions, FilterList)))

    async def _check_allowed(self, caller: Caller, command: Command) -> None:
        if isinstance(command, ADMIN_ONLY):
            if not await caller.is_admin():
                raise NotAllowed(NOT_ADMIN)
        elif isinstance(command, MEMBERS_UNLESS_LOCKED):
            chat = await self._context.chat(caller.chat)
            if chat is not None and chat.locked and not await caller.is_admin():
                raise NotAllowed("This chat is locked: only an admin can (un)subscribe.")

    async def _carry_out(self, caller: Caller, command: Command) -> str:
        context, chat = self._context, caller.chat
        match command:
            case Help():
                return HELP_TEXT
            case Subscribe(url):
                return await following.subscribe(context, chat, caller.kind, url)
            case Unsubscribe(target):
                return await following.unsubscribe(context, chat, target)
            case ListSubscriptions(page):
                return await following.list_subscriptions(context, chat, page)
            case FilterEdit() | FilterClear() | FilterList():
                return await settings.filters_command(context, chat, caller.kind, command)
            case _:
                return await settings.chat_setting(context, chat, caller.kind, command)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else "Something went wrong."

