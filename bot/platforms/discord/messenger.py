"""Discord at the edge: the messenger, and the discord.py client's wiring and lifetime.

discord.py errors stop here: every send and edit translates them into the
`bot.core.errors.DeliveryError` tree, so the dispatcher never sees a vendor type.

    client = build_client(config.discord)
    async with running(client, config.discord):
        messenger = DiscordMessenger(client)
        ...

Every request the client makes passes `Wire` (an aiohttp trace on discord.py's
session): it keeps all of them, the library's own retries included, within Discord's
global 50 a second, and it answers a message send's 5xx or global 429 at once as a
DeliveryError, so no send sits in discord.py's retry loop (up to 16 s of sleeps) while
the dispatcher already knows the platform is failing and has its own plan for it.

This module is the one place that points discord.py somewhere else than
discord.com (`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`: class attributes,
so process-wide); tests point it at a fake on loopback.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from types import SimpleNamespace

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from bot.core.errors import (
    ChatGone,
    ConfigError,
    PlatformUnavailable,
    RateLimited,
    Rejected,
    Transient,
)
from bot.core.model import Attachment, ChatRef, Message, Notice
from bot.core.pacing import Limits, Pacer, Rate
from bot.core.ports import Pace
from bot.core.render.discord_embed import DiscordPayload, notice_content, render_discord_parts
from bot.platforms.discord.config import DiscordConfig

_log = logging.getLogger(__name__)

_LIBRARY_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY
UNKNOWN_MESSAGE = 10008
# A Cloudflare ban (429 without Discord's `Via`) is per IP and lasts long; wait this
# much when it gives no Retry-After.
CLOUDFLARE_WAIT = 60.0
# Waits longer than this come back as RateLimited instead of holding the delivery
# (discord.py's floor is 30): the dispatcher parks that chat and goes on with others.
MAX_LIBRARY_WAIT = 30.0
NO_MENTIONS = discord.AllowedMentions.none()
GLOBAL_RATE = 45.0
"""Requests a second, all routes together: under Discord's global 50, with room for the
network bunching two requests the limiter spaced apart."""
_DELIVERING: ContextVar[bool] = ContextVar("delivering", default=False)
"""Set while a message send or edit of the dispatcher's is on the wire (not a command reply)."""


class Wire:
    """The trace every request of the client passes: the global rate, and answers that end
    a delivery's request at once (a 5xx, a global 429) instead of in discord.py's retries."""

    def __init__(self, rate: float = GLOBAL_RATE) -> None:
        self._pacer = Pacer(Limits(overall=Rate(rate)))
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._start)
        self.trace.on_request_end.append(self._end)

    async def _start(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                     params: aiohttp.TraceRequestStartParams) -> None:
        now = asyncio.get_running_loop().time()
        at = self._pacer.reserve("", group=False, now=now)
        if at > now:
            await asyncio.sleep(at - now)

    async def _end(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                   params: aiohttp.TraceRequestEndParams) -> None:
        if not _DELIVERING.get():
            return
        status, headers = params.response.status, params.response.headers
        if status >= 500:
            # aiohttp closes the response; discord.py sees the error before its retry sleep.
            raise Transient(f"Discord {status} {params.response.reason}")
        if status == 429 and headers.get("Via") and headers.get("X-RateLimit-Global"):
            raise RateLimited(_retry_after(headers), scope_global=True)


class StorywatchClient(discord.Client):
    """A discord.py client with an app-command tree, to which slash commands are bound."""

    def __init__(self, *, intents: discord.Intents, guild_ready_timeout: float,
                 max_ratelimit_timeout: float, wire: Wire) -> None:
        super().__init__(intents=intents, guild_ready_timeout=guild_ready_timeout,
                         max_ratelimit_timeout=max_ratelimit_timeout,
                         allowed_mentions=NO_MENTIONS, http_trace=wire.trace)
        self.tree: app_commands.CommandTree[StorywatchClient] = app_commands.CommandTree(self)


def build_client(config: DiscordConfig, *, guild_ready_timeout: float = 2.0,
                 max_ratelimit_timeout: float = MAX_LIBRARY_WAIT,
                 global_rate: float = GLOBAL_RATE) -> StorywatchClient:
    """A client asking for no privileged intent (slash commands need none), its requests
    kept within `global_rate` a second.

    `guild_ready_timeout` is how long discord.py waits after the last
    GUILD_CREATE before `on_ready`; tests pass a tenth of a second.
    """
    intents = discord.Intents.default()
    intents.members = False
    intents.presences = False
    intents.message_content = False
    return StorywatchClient(intents=intents, guild_ready_timeout=guild_ready_timeout,
                            max_ratelimit_timeout=max_ratelimit_timeout, wire=Wire(global_rate))


def point_library_at(config: DiscordConfig) -> None:
    """Aim discord.py's REST and gateway at `config`'s addresses (Discord's unless set)."""
    discord.http.Route.BASE = config.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = (
        yarl.URL(config.gateway_url) if config.gateway_url else _LIBRARY_GATEWAY
    )


async def sync_commands(client: StorywatchClient,
                        guild_id: int | None) -> list[app_commands.AppCommand]:
    """Register the tree's commands globally, or in one guild (instant, for development)."""
    if guild_id is None:
        return await client.tree.sync()
    guild = discord.Object(id=guild_id)
    client.tree.copy_global_to(guild=guild)
    return await client.tree.sync(guild=guild)


@asynccontextmanager
async def running(client: StorywatchClient, config: DiscordConfig, *,
                  ready_timeout: float = 30.0) -> AsyncIterator[StorywatchClient]:
    """Run `client` in the current loop, ready and with commands synced, until the block ends.

    Raises ConfigError without a token, and PlatformUnavailable when the client
    stopped before it was ready (a bad token, an unreachable API) or the gateway
    was not ready in `ready_timeout` seconds.
    """
    if config.token is None:
        raise ConfigError("discord.token is unset: the Discord bot cannot start")
    point_library_at(config)
    async with client:
        task = asyncio.create_task(client.start(config.token.get_secret_value()),
                                   name="discord-client")
        ready = False
        try:
            try:
                async with asyncio.timeout(ready_timeout):
                    await _wait_ready(client, task)
            except TimeoutError:
                raise PlatformUnavailable(
                    f"the Discord gateway was not ready within {ready_timeout:g} s") from None
            except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
                raise PlatformUnavailable(f"cannot start Discord at {config.api_base}: "
                                          f"{type(error).__name__}: {error}") from None
            await sync_commands(client, config.guild_id)
            ready = True
            yield client
        finally:
            await _stop(client, task, report=ready)


async def _wait_ready(client: discord.Client, task: asyncio.Task[None]) -> None:
    """Return when `client` is ready; raise why it stopped if it stops first."""
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if not client.is_ready():
        task.result()  # raises why the client stopped
        raise RuntimeError("the Discord client stopped before it was ready")


async def _stop(client: discord.Client, task: asyncio.Task[None], *, report: bool) -> None:
    """Close the client; `report` an error that ended it (a failed start was reported already)."""
    await client.close()
    done, _ = await asyncio.wait({task}, timeout=10.0)
    if not done:
        task.cancel()
        return
    if report and not task.cancelled() and task.exception() is not None:
        _log.warning("the Discord client ended with an error: %r", task.exception())


class DiscordMessenger:
    """Sends and edits messages in Discord channels, threads and DMs (a thread is a channel)."""

    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def connected(self) -> bool:
        """Whether the gateway session is up: ready, not closed, its socket open (discord.py
        keeps `is_ready()` true while it reconnects)."""
        client = self._client
        return (client.is_ready() and not client.is_closed()
                and client.ws is not None and client.ws.open)

    async def send(self, chat: ChatRef, message: Message, *, pace: Pace | None = None,
                   key: str | None = None) -> str:
        """Send `message`; returns the id of its first Discord message.

        A digest too big for one message goes as several, each after the first
        awaiting `pace`; should a later part fail, the error is raised and the whole
        digest is sent again on retry. With `key`, each part carries a nonce of its
        own that Discord enforces: a part sent again within minutes (a retry, a
        restart after a crash mid-send) is not posted twice.
        """
        if isinstance(message, Notice) and message.attachment is not None:
            return await self._send_file(chat, notice_content(message), message.attachment,
                                         None if key is None else f"sw{key}.0")
        ids = []
        for number, part in enumerate(render_discord_parts(message)):
            if number and pace is not None:
                await pace()
            nonce = None if key is None else f"sw{key}.{number}"
            ids.append(await self.send_payload(chat, part, nonce=nonce))
        return ids[0]

    async def edit(self, chat: ChatRef, message_id: str, message: Message) -> None:
        """Replace the message `message_id` with `message` (its first part)."""
        await self.edit_payload(chat, message_id, render_discord_parts(message)[0])

    async def send_payload(self, chat: ChatRef, payload: DiscordPayload, *,
                           nonce: str | None = None) -> str:
        """Send one rendered payload as it is; returns the message id. With `nonce`,
        Discord answers a repeat of it from this bot with the message it already made
        (discord.py sends every nonce with `enforce_nonce`; without one it picks a
        random one, as here)."""
        with _translated():
            sent = await self._channel(chat).send(
                content=payload.content, embeds=_embeds(payload), allowed_mentions=NO_MENTIONS,
                nonce=secrets.randbits(64) if nonce is None else nonce)
        return str(sent.id)

    async def _send_file(self, chat: ChatRef, content: str, attachment: Attachment,
                         nonce: str | None) -> str:
        """A notice carrying a file: its text as the content, the file attached."""
        file = discord.File(io.BytesIO(attachment.data), filename=attachment.filename)
        with _translated():
            sent = await self._channel(chat).send(
                content=content, file=file, allowed_mentions=NO_MENTIONS,
                nonce=secrets.randbits(64) if nonce is None else nonce)
        return str(sent.id)

    async def edit_payload(self, chat: ChatRef, message_id: str, payload: DiscordPayload) -> None:
        """Replace a message's content and embeds with `payload`."""
        target = self._channel(chat).get_partial_message(int(message_id))
        with _translated():
            await target.edit(content=payload.content, embeds=_embeds(payload),
                              allowed_mentions=NO_MENTIONS)

    def _channel(self, chat: ChatRef) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(int(chat.thread_id or chat.chat_id))


def _embeds(payload: DiscordPayload) -> list[discord.Embed]:
    return [discord.Embed.from_dict(embed) for embed in payload.embeds]


@contextmanager
def _translated() -> Iterator[None]:
    """Turn discord.py's and aiohttp's errors into the delivery error tree, for a request of
    the dispatcher's (`Wire` answers its 5xx and global 429s at once)."""
    token = _DELIVERING.set(True)
    try:
        yield
    except discord.RateLimited as exc:  # a wait longer than max_ratelimit_timeout
        raise RateLimited(exc.retry_after) from exc
    except discord.NotFound as exc:
        if exc.code == UNKNOWN_MESSAGE:  # the message was deleted, not the channel
            raise Rejected(_reason(exc)) from exc
        raise ChatGone(_reason(exc)) from exc
    except discord.Forbidden as exc:
        raise ChatGone(_reason(exc)) from exc
    except discord.HTTPException as exc:
        if exc.status == 429:
            # Without Discord's `Via`, Cloudflare's: a ban of this address, for every route.
            # With it, the library gave up retrying one route: that route waits.
            cloudflare = not exc.response.headers.get("Via")
            raise RateLimited(_retry_after(exc.response.headers), scope_global=cloudflare
                              ) from exc
        if exc.status >= 500:
            raise Transient(_reason(exc)) from exc
        raise Rejected(_reason(exc)) from exc
    except (aiohttp.ClientError, OSError) as exc:  # OSError includes TimeoutError
        raise Transient(f"network error: {exc!r}") from exc
    finally:
        _DELIVERING.reset(token)


def _reason(exc: discord.HTTPException) -> str:
    return f"Discord {exc.status} (code {exc.code}): {exc.text}"


def _retry_after(headers: Mapping[str, str]) -> float:
    try:
        return float(headers.get("Retry-After", CLOUDFLARE_WAIT))
    except ValueError:
        return CLOUDFLARE_WAIT
