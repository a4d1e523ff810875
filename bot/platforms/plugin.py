"""What a platform's folder gives the app: one `Platform` value, its `__init__`'s `PLATFORM`.

The composition root, the dispatcher's pacing and the sender's database locks
loop over these; nothing outside a platform's folder names it. A platform's
`__init__` imports no client library: `start` imports it when the platform is
started, so `run --once` stays fast.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import BaseModel

from bot.core.pacing import Limits
from bot.core.ports import Messenger

if TYPE_CHECKING:
    from handlers.commands import CommandLayer

Job = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Launch:
    """What a platform is started with: its config section, the command layer (made on
    first use), the stack its client runs in (closed at the stop), the clock, the console's
    streams, and `serve`, which runs a job of the platform's as long as the sender runs."""

    section: Any
    layer: Callable[[], CommandLayer]
    stack: AsyncExitStack
    clock: Callable[[], datetime]
    stdin: TextIO
    out: TextIO
    serve: Callable[[Job], None]


def _no_pacing(_section: Any) -> Limits:
    return Limits()


@dataclass(frozen=True, slots=True)
class Platform:
    """One chat platform, as the app sees it.

    `section`: the model of its [name] section of the configuration (None: it has
    none). `enabled`: whether that section asks for it (a token is set). `lock_key`:
    what names the database lock one sender at a time holds for it (never a secret
    itself). `limits`: the send rates we keep to (none where the library paces);
    `shared_kinds`: the chat kinds its per-group limit applies to. `secrets`: what
    the logs must never show. `start`: connects it, serving the command layer, and
    returns its messenger (a `connected()` on the messenger tells readiness whether the
    platform is reachable).
    """

    name: str
    start: Callable[[Launch], Awaitable[Messenger]]
    section: type[BaseModel] | None = None
    enabled: Callable[[Any], bool] = lambda _section: False
    lock_key: Callable[[Any], str] = lambda _section: ""
    limits: Callable[[Any], Limits] = _no_pacing
    shared_kinds: frozenset[str] = frozenset()
    secrets: Callable[[Any], list[str]] = lambda section: token_secrets(section)


def token_set(section: Any) -> bool:
    """Whether a platform section has its `token` set."""
    return getattr(section, "token", None) is not None


def token_secrets(section: Any) -> list[str]:
    """A section's token, as the one secret it holds (none when unset)."""
    token = getattr(section, "token", None)
    return [] if token is None else [token.get_secret_value()]


def token_hash(section: Any) -> str:
    """The SHA-256 of a section's token: names its lock without revealing it."""
    import hashlib

    return hashlib.sha256(section.token.get_secret_value().encode()).hexdigest()
