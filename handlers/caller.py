"""Who sent a command and where (`Caller`), and what the bot answers (`Reply`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.model import ButtonRows, ChatRef

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
    """What the bot answers. `private` replies concern only the caller (Discord: ephemeral).

    `buttons` go under it where the platform has them (handlers.buttons); the console shows
    the text alone.
    """

    text: str
    private: bool = False
    buttons: ButtonRows = ()
