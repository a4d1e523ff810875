"""The platform-neutral command layer (DESIGN §3): a command and facts about its caller in,
a reply out. Telegram, Discord and the console bind to it thinly.

Domain errors (BadArgument, NotAllowed, NotFound, FetchError) become the
reply's text here, so every binding answers them the same way. The command
flood throttle (limits.commands_per_minute per platform and user) is kept
here too, so every platform has it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.errors import CommandError, FetchError, NotAllowed
from bot.core.model import ChatRef
from handlers import following, settings, status
from handlers.command_values import (
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
    SetEdits,
    SetTimezone,
    Status,
    Subscribe,
    Unlock,
    Unmute,
    Unsubscribe,
)
from handlers.context import Context
from handlers.parse import parse_command
from handlers.throttle import Throttle

AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a command, and where. `is_admin` is asked only when a command needs it.

    `kind` is the chat's kind as the platform names it ('private', 'group',
    'supergroup', 'channel', 'guild', 'dm', 'console'). `limited` is False only
    for the operator at the console, whose piped commands are not a flood.
    """

    chat: ChatRef
    kind: str
    user_id: str
    is_admin: AdminCheck
    limited: bool = True


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers. `private` replies concern only the caller (Discord: ephemeral)."""

    text: str
    private: bool = False


@dataclass(frozen=True, slots=True)
class Held:
    """A throttled command: one "slow down" reply, or None once the caller was told."""

    reply: Reply | None


ADMIN_ONLY = (FilterEdit, FilterClear, Mute, Unmute, DigestOff, DigestEvery, DigestDaily,
              SetTimezone, SetEdits, Lock, Unlock, Status)
MEMBERS_UNLESS_LOCKED = (Subscribe, Unsubscribe)
PRIVATE = (Help, ListSubscriptions, FilterList, Status)
"""Commands whose reply concerns only the caller (Discord answers them ephemerally)."""
NOT_ADMIN = "Only an admin of this chat can do that."
SLOW_DOWN = ("Slow down: that is over {limit} commands a minute. "
             "Your commands are ignored for a minute; example: /help after that.")


class CommandLayer:
    """Carries out chat commands against storage; the one implementation behind every platform."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._throttle = Throttle(context.limits.commands_per_minute)

    @property
    def argument_chars(self) -> int:
        """The longest command argument accepted (limits.argument_chars)."""
        return self._context.limits.argument_chars

    async def run_text(self, caller: Caller, text: str, *, bot_username: str | None = None
                       ) -> Reply | None:
        """Parse and carry out `text`; None when it is not a command for this bot, or
        when its sender is throttled."""
        try:
            command = parse_command(text, bot_username=bot_username,
                                    max_chars=self.argument_chars)
        except CommandError as error:
            return self.refuse(caller, error)
        if command is None:
            return None
        return await self.run(caller, command)

    def refuse(self, caller: Caller, error: CommandError) -> Reply | None:
        """The reply to a command that could not be read (counted by the throttle like any)."""
        held = self._held(caller)
        if held is not None:
            return held.reply
        return Reply(_sentence(str(error)), private=True)

    async def run(self, caller: Caller, command: Command) -> Reply | None:
        """Carry out one command for `caller`; every outcome is a reply, except that a
        throttled caller's commands are ignored (None)."""
        held = self._held(caller)
        if held is not None:
            return held.reply
        try:
            await self._check_allowed(caller, command)
            text = await self._carry_out(caller, command)
        except (CommandError, FetchError) as error:
            return Reply(_sentence(str(error)), private=True)
        return Reply(text, private=isinstance(command, PRIVATE))

    def _held(self, caller: Caller) -> Held | None:
        """None when the caller's command may go on; else what the throttle answers."""
        if not caller.limited:
            return None
        now = self._context.clock().timestamp()
        verdict = self._throttle.check((caller.chat.platform, caller.user_id), now)
        if verdict == "pass":
            return None
        if verdict == "warn":
            limit = self._context.limits.commands_per_minute
            return Held(Reply(SLOW_DOWN.format(limit=limit), private=True))
        return Held(None)

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
            case Status():
                return await status.chat_status(context, chat)
            case FilterEdit() | FilterClear() | FilterList():
                return await settings.filters_command(context, chat, caller.kind, command)
            case _:
                return await settings.chat_setting(context, chat, caller.kind, command)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else "Something went wrong."

