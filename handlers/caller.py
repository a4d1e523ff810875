"""Who sent a command and where (`Caller`), the file sent with it (`Upload`), and what the
bot answers (`Reply`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.model import Attachment, ButtonRows, ChatRef

AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent with a command (a Telegram document, a Discord attachment option).

    `size` is what the platform says it holds (None: unsaid), so a use case can refuse a
    large file before `read(limit)` downloads it. `read` may raise a CommandError (the
    platform's download failed, or it learnt there that the file passes `limit`); what it
    returns may pass `limit` too, for the use case to refuse.
    """

    filename: str
    size: int | None
    read: Callable[[int], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a command, and where. `is_admin` is asked only when a command needs it.

    `kind` is the chat's kind as the platform names it ('private', 'group',
    'supergroup', 'channel', 'guild', 'dm', 'console'). `limited` is False only
    for the operator at the console, whose piped commands are not a flood. `upload` is
    the file sent with the command, if any.
    """

    chat: ChatRef
    kind: str
    user_id: str
    is_admin: AdminCheck
    limited: bool = True
    upload: Upload | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers. `private` replies concern only the caller (Discord: ephemeral);
    with an `attachment` the reply is that file, `text` its caption.

    `buttons` go under it where the platform has them (handlers.buttons); the console shows
    the text alone.
    """

    text: str
    private: bool = False
    attachment: Attachment | None = None
    buttons: ButtonRows = ()
