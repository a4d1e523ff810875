"""Telegram: the messenger and the python-telegram-bot `Application` wiring.

Delivery errors from python-telegram-bot become `bot.core.errors.DeliveryError`s
here (docs/BEHAVIOUR.md); only command replies (bot/platforms/telegram/bindings.py) answer
the library's errors themselves, as they go out at once, not through the outbox.

The application is built for running beside other asyncio services: no job
queue (APScheduler drives the bot), no `run_polling()`, the rate limiter never
retries or sleeps on a 429 (the dispatcher owns each chat's waits), and
loopback is never proxied.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram import error as tg
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.core.errors import (
    ChatGone,
    ChatMoved,
    ConfigError,
    DeliveryError,
    PlatformUnavailable,
    RateLimited,
    Rejected,
    Transient,
)
from bot.core.model import Attachment, ChatRef, Digest, Message, Notice
from bot.core.ports import Pace
from bot.core.render.telegram_html import TelegramText, render_telegram, split_digest
from bot.core.render.telegram_photo import (
    TelegramPhoto,
    preview_image,
    render_caption,
    render_photo,
)
from bot.platforms.telegram.config import TelegramConfig
from bot.platforms.telegram.photos import (
    PHOTO_MARK,
    PHOTO_READ_SECONDS,
    link_preview,
    refused_photo,
)
from handlers.registry import menu_for

ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CAPTION_CHARS = 1024  # Telegram's limit on a document's caption
_log = logging.getLogger(__name__)
PARTS_REMEMBERED = 1000
"""Digests half-delivered (a later part failed) whose sent parts are remembered for the retry."""


class PollWatch:
    """Whether the Bot API answered the latest getUpdates: what "Telegram is connected" means.

    PTB retries a failing long poll forever; this is the one place that sees each
    poll's answer. Filled in by the application's getUpdates request, and told of each
    failed poll (PTB's `error_callback`): an outage logs one warning when polling starts
    failing and one line when it answers again, never PTB's traceback per retry.
    """

    def __init__(self) -> None:
        self.answered = False
        self._failing_since: float | None = None

    def record(self, answered: bool) -> None:
        """A getUpdates request ended: `answered` when the API gave a 200."""
        self.answered = answered
        if answered and self._failing_since is not None:
            _log.warning("Telegram's getUpdates answers again after %.1f s",
                         time.monotonic() - self._failing_since,
                         extra={"event": "polling_recovered", "platform": "telegram"})
            self._failing_since = None

    def failed(self, error: tg.TelegramError) -> None:
        """A poll failed (PTB retries it): warn once per outage, without a traceback."""
        if self._failing_since is not None:
            _log.debug("getUpdates failed again: %s", error)
            return
        self._failing_since = time.monotonic()
        _log.warning("Telegram's getUpdates fails: %s: %s; polling goes on until it answers",
                     type(error).__name__, error.message,
                     extra={"event": "polling_failed", "platform": "telegram"})


class _WatchedRequest(HTTPXRequest):
    """The getUpdates request, telling its `PollWatch` whether each poll got a 200."""

    def __init__(self, watch: PollWatch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._watch = watch

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """See `HTTPXRequest.do_request`; records whether the API answered 200."""
        try:
            status, body = await super().do_request(*args, **kwargs)
        except BaseException:
            self._watch.record(False)
            raise
        self._watch.record(status == 200)
        return status, body


class TelegramMessenger:
    """Sends rendered messages through a `telegram.Bot`; raises only DeliveryErrors."""

    platform = "telegram"

    def __init__(self, bot: Bot, polling: PollWatch | None = None) -> None:
        """`polling`: the application's getUpdates watch, for `connected`."""
        self._bot = bot
        self._polling = polling
        # Parts of long digests already delivered when a later part failed: (chat, digest)
        # -> their message ids, so a retry sends only the rest.
        self._delivered_parts: OrderedDict[tuple[ChatRef, Digest], list[str]] = OrderedDict()

    async def send(self, chat: ChatRef, message: Message, *, pace: Pace | None = None,
                   key: str | None = None) -> str:
        """Send `message` to `chat`; returns the Telegram message id (of the first part,
        when a long digest goes as several messages). Raises DeliveryError.

        Each part after the first waits for `pace`: Telegram counts every message
        against the chat's limits. A digest whose later part fails is, when sent again,
        taken up at that part: the parts Telegram already took are not repeated.
        """
        if isinstance(message, Notice) and message.attachment is not None:
            return await self._send_file(chat, message.text, message.attachment)
        if not isinstance(message, Digest):
            return await self._send_single(chat, message, pace)
        parts = split_digest(message)
        ids = self._delivered_parts.pop((chat, message), [])
        try:
            for number, part in enumerate(parts[len(ids):]):
                if number and pace is not None:
                    await pace()
                ids.append(await self._send_one(chat, render_telegram(part)))
        except DeliveryError:
            if ids:
                self._remember_parts(chat, message, ids)
            raise
        return ids[0]

    def connected(self) -> bool:
        """Whether the Bot API answered the latest long poll (true when not watched)."""
        return self._polling is None or self._polling.answered

    def _remember_parts(self, chat: ChatRef, digest: Digest, ids: list[str]) -> None:
        self._delivered_parts[(chat, digest)] = ids
        while len(self._delivered_parts) > PARTS_REMEMBERED:  # digests given up on
            self._delivered_parts.popitem(last=False)

    async def edit(self, chat: ChatRef, message_id: str, message: Message) -> None:
        """Replace the text (or, for a photo, the caption) of a message sent earlier; an
        unchanged text counts as success. Raises DeliveryError."""
        if message_id.startswith(PHOTO_MARK):
            await self._edit_caption(chat, int(message_id.removeprefix(PHOTO_MARK)), message)
            return
        rendered = render_telegram(message)
        async with _editing():
            await self._bot.edit_message_text(
                text=rendered.text,
                chat_id=_chat_id(chat),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                link_preview_options=link_preview(message),
                reply_markup=_keyboard(rendered),
            )

    async def _send_file(self, chat: ChatRef, caption: str, attachment: Attachment) -> str:
        """sendDocument of `attachment`, `caption` as plain text under it; the message id.
        Raises DeliveryError."""
        try:
            sent = await self._bot.send_document(
                chat_id=_chat_id(chat),
                document=InputFile(attachment.data, filename=attachment.filename),
                caption=caption[:CAPTION_CHARS],
                parse_mode=None,
                message_thread_id=int(chat.thread_id) if chat.thread_id else None,
            )
        except tg.TelegramError as error:
            raise _translate(error) from error
        return str(sent.message_id)

    async def _send_one(self, chat: ChatRef, rendered: TelegramText,
                        preview: LinkPreviewOptions = _NO_PREVIEW) -> str:
        try:
            sent = await self._bot.send_message(
                chat_id=_chat_id(chat),
                text=rendered.text,
                parse_mode=ParseMode.HTML,
                link_preview_options=preview,
                reply_markup=_keyboard(rendered),
                message_thread_id=int(chat.thread_id) if chat.thread_id else None,
            )
        except tg.TelegramError as error:
            raise _translate(error) from error
        return str(sent.message_id)

    async def _send_single(self, chat: ChatRef, message: Message, pace: Pace | None) -> str:
        """A message that is not a digest: an alert with a picture as a photo (or text),
        anything else as one text."""
        if preview_image(message) is not None:
            return await self._send_pictured(chat, message, pace)
        return await self._send_one(chat, render_telegram(message))

    async def _send_pictured(self, chat: ChatRef, message: Message, pace: Pace | None) -> str:
        """An alert with a picture: one photo with the alert as its caption when it fits,
        else the text with the picture as its link preview. A photo Telegram refuses (its
        URL or its type) is, within this same send, the alert as text: the delivery is
        sent once, whichever way it went. The text after a refused photo waits for `pace`:
        Telegram counted the refused request against the chat too."""
        photo = render_photo(message)
        if photo is None:
            return await self._send_one(chat, render_telegram(message), link_preview(message))
        try:
            return PHOTO_MARK + await self._send_photo(chat, photo)
        except Rejected as error:
            if not refused_photo(str(error)):
                raise
            _log.info("Telegram refused the photo %s (%s); the alert goes as text",
                      photo.photo, error, extra={"event": "photo_refused",
                                                 "platform": "telegram"})
        if pace is not None:
            await pace()
        return await self._send_one(chat, render_telegram(message))

    async def _send_photo(self, chat: ChatRef, photo: TelegramPhoto) -> str:
        """sendPhoto with the picture's URL (Telegram fetches it) and the HTML caption."""
        try:
            sent = await self._bot.send_photo(
                chat_id=_chat_id(chat),
                photo=photo.photo,
                caption=photo.caption.text,
                parse_mode=ParseMode.HTML,
                reply_markup=_keyboard(photo.caption),
                message_thread_id=int(chat.thread_id) if chat.thread_id else None,
                read_timeout=PHOTO_READ_SECONDS,
            )
        except tg.TelegramError as error:
            raise _translate(error) from error
        return str(sent.message_id)

    async def _edit_caption(self, chat: ChatRef, message_id: int, message: Message) -> None:
        """editMessageCaption of a photo alert: the alert's caption, trimmed to fit."""
        rendered = render_caption(message)
        async with _editing():
            await self._bot.edit_message_caption(
                chat_id=_chat_id(chat),
                message_id=message_id,
                caption=rendered.text,
                parse_mode=ParseMode.HTML,
                reply_markup=_keyboard(rendered),
            )


@asynccontextmanager
async def _editing() -> AsyncIterator[None]:
    """An edit's errors as DeliveryError; an unchanged text counts as success."""
    try:
        yield
    except tg.BadRequest as error:
        if "message is not modified" not in error.message.lower():
            raise _translate(error) from error
    except tg.TelegramError as error:
        raise _translate(error) from error


def _chat_id(chat: ChatRef) -> int | str:
    """Numeric ids as ints (the rate limiter tells groups by their negative id); "@name" as is."""
    text = chat.chat_id
    return int(text) if text.lstrip("-").isdigit() else text


def _keyboard(rendered: TelegramText) -> InlineKeyboardMarkup | None:
    if rendered.button_url is None:
        return None
    button = InlineKeyboardButton(rendered.button_label, url=rendered.button_url)
    return InlineKeyboardMarkup([[button]])


def _translate(error: tg.TelegramError) -> DeliveryError:
    """The DeliveryError for a python-telegram-bot error (docs/BEHAVIOUR.md, Platform answers)."""
    if isinstance(error, tg.ChatMigrated):
        return ChatMoved(str(error.new_chat_id))
    if isinstance(error, tg.RetryAfter):
        return RateLimited(retry_seconds(error.retry_after))
    if isinstance(error, tg.Forbidden):
        return ChatGone(error.message)
    if isinstance(error, tg.BadRequest):  # before NetworkError: BadRequest subclasses it
        if "chat not found" in error.message.lower():
            return ChatGone(error.message)
        return Rejected(error.message)
    # TimedOut, NetworkError (5xx, connection), and anything unexpected such as a
    # revoked token or a 409: not this message's fault, so keep it pending.
    return Transient(f"{type(error).__name__}: {error.message}")


UPDATER_STOP_SECONDS = 1.0
"""How long a stop waits for polling to end: its last getUpdates only confirms the updates
already taken (Telegram answers it at once), and an API that went silent must not hold the
stop for the request's read timeout."""


async def _stop_polling(application: Application) -> None:
    """Stop the updater's polling, giving up on its final confirming getUpdates after
    UPDATER_STOP_SECONDS (the updates since may then come again at the next start)."""
    assert application.updater is not None
    try:
        async with asyncio.timeout(UPDATER_STOP_SECONDS):
            await application.updater.stop()
    except TimeoutError:
        _log.warning("Telegram did not answer the last getUpdates within %.0f s; "
                     "stopped without it", UPDATER_STOP_SECONDS)


def retry_seconds(retry_after: int | float | timedelta) -> float:
    """`RetryAfter.retry_after` is a timedelta under PTB_TIMEDELTA, else seconds."""
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


def build_application(config: TelegramConfig, polling: PollWatch | None = None) -> Application:
    """The PTB Application for `config`: token and base_url, no job queue, concurrent
    updates, a rate limiter that never retries, no proxy from the environment; each
    getUpdates answer told to `polling`.

    Raises ConfigError when telegram.token is not set.
    """
    if config.token is None:
        raise ConfigError("config: telegram.token is required to start Telegram")
    # PTB deprecates reading RetryAfter.retry_after as an int; opting in to timedeltas
    # (read when the error is built) keeps that warning, an error under -W error, away.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    no_proxy = {"trust_env": False}
    limiter = AIORateLimiter(
        overall_max_rate=config.rate_per_second,
        overall_time_period=1,
        group_max_rate=config.group_rate_per_minute,
        group_time_period=60,
        max_retries=0,
    )
    return (
        ApplicationBuilder()
        .token(config.token.get_secret_value())
        .base_url(config.base_url)
        .base_file_url(file_base_url(config.base_url))
        .request(HTTPXRequest(connection_pool_size=64, httpx_kwargs=no_proxy))
        # PTB adds the long-poll timeout to this read timeout for getUpdates, so the
        # effective read timeout is poll_timeout + 5 s: a quiet poll never times out.
        .get_updates_request(_WatchedRequest(polling or PollWatch(), read_timeout=5.0,
                                             httpx_kwargs=no_proxy))
        .rate_limiter(limiter)
        .job_queue(None)
        .concurrent_updates(64)
        .build()
    )


def file_base_url(base_url: str) -> str:
    """Where the Bot API at `base_url` serves files: "file/" before its last path segment
    (https://api.telegram.org/bot -> https://api.telegram.org/file/bot), as Telegram and
    a local Bot API server lay them out."""
    head, _, last = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{last}"


async def set_commands(bot: Bot) -> None:
    """Publish the chat commands with one-line descriptions (setMyCommands)."""
    await bot.set_my_commands([BotCommand(name, about) for name, about in menu_for("telegram")])


@asynccontextmanager
async def running(application: Application, config: TelegramConfig,
                  polling: PollWatch | None = None) -> AsyncIterator[Application]:
    """Run `application` beside other services: initialize (getMe), publish the commands,
    start, long-poll getUpdates for `config.poll_timeout` seconds at a time, failed polls
    told to `polling` (the watch `build_application` was given); on exit stop polling,
    stop and shut down, in that order.

    Raises PlatformUnavailable when the Bot API refuses the token or cannot be reached.
    """
    try:
        await application.initialize()
    except tg.TelegramError as error:
        # PTB's InvalidToken quotes the token it was given.
        reason = error.message.replace(application.bot.token, "***")
        raise PlatformUnavailable(f"cannot start Telegram at {config.base_url}: "
                                  f"{type(error).__name__}: {reason}") from None
    try:
        await set_commands(application.bot)
        await application.start()
        assert application.updater is not None  # built by ApplicationBuilder, which has one
        await application.updater.start_polling(
            timeout=timedelta(seconds=config.poll_timeout), allowed_updates=list(ALLOWED_UPDATES),
            error_callback=(polling or PollWatch()).failed,
        )
        yield application
    finally:
        if application.updater is not None and application.updater.running:
            await _stop_polling(application)
        if application.running:
            await application.stop()
        await application.shutdown()
