"""The buttons under /list (handlers.buttons) on Telegram: an inline keyboard, and its presses
(callback queries) carried out by the command layer.

Every callback query is answered, whatever happens: Telegram shows a spinner on the
button until it is. A refused press (not an admin, a subscription gone, a flood of
presses) is answered with an alert saying why, and nothing changes. A press carried out
is answered with a short toast, and the list message is edited in place: what happened on
top, the list as it is now below, with fresh buttons. Plain text, as every command reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram import error as tg
from telegram.ext import ContextTypes

from bot.core.model import ButtonRows
from bot.core.render.telegram_html import utf16_length
from handlers.commands import Caller, CommandLayer, Pressed, Reply

logger = logging.getLogger(__name__)

TOAST_CHARS = 200  # answerCallbackQuery's text limit
MESSAGE_UNITS = 4096  # a message's text limit, in UTF-16 code units
CUT = "\n… (the rest: /list)"
FAILED = "Sorry, that button failed on our side; please try again in a minute."
TOO_OLD = "This list is too old to act on; send /list for a fresh one."
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

CallerOf = Callable[[Message, User, Bot], Caller]
"""Who pressed a button under a message: the chat's facts and the presser's admin check."""


def keyboard(rows: ButtonRows) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a reply's buttons (None when it has none)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows])


class TelegramPresses:
    """The callback query handler: a press to the command layer, its answer back."""

    def __init__(self, layer: CommandLayer, caller_of: CallerOf) -> None:
        self._layer = layer
        self._caller_of = caller_of

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Carry out one press and answer it; then show the list as it is now."""
        query = update.callback_query
        if query is None:
            return
        try:
            pressed = await self._pressed(query, context.bot)
        except Exception:  # a handler is a job boundary: log it, answer, keep serving others
            logger.exception("button %r failed", (query.data or "")[:64])
            pressed = Pressed(FAILED, refused=True)
        await _answer(query, pressed)
        if pressed.page is not None:
            await _show(query, pressed.page)

    async def _pressed(self, query: CallbackQuery, bot: Bot) -> Pressed:
        message = query.message
        if not isinstance(message, Message) or not message.is_accessible:
            # Older than 48 hours (an inaccessible message), or under an inline message.
            return Pressed(TOO_OLD, refused=True)
        caller = self._caller_of(message, query.from_user, bot)
        return await self._layer.press(caller, query.data or "")


async def _answer(query: CallbackQuery, pressed: Pressed) -> None:
    """Answer the query: an alert for a refusal, else a toast of what happened."""
    text = _clipped(pressed.text, TOAST_CHARS) or None
    try:
        await query.answer(text, show_alert=pressed.refused and text is not None)
    except tg.TelegramError as error:
        logger.warning("answering a button press failed: %s", error)


async def _show(query: CallbackQuery, page: Reply) -> None:
    """Put `page` in place of the pressed list message."""
    try:
        await query.edit_message_text(_fitted(page.text), parse_mode=None,
                                      reply_markup=keyboard(page.buttons),
                                      link_preview_options=_NO_PREVIEW)
    except tg.BadRequest as error:
        if "not modified" not in error.message.lower():
            logger.warning("updating a list after a press failed: %s", error)
    except tg.TelegramError as error:
        logger.warning("updating a list after a press failed: %s", error)


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _fitted(text: str) -> str:
    """`text` within one message: whole lines while they fit, then a line saying it is cut."""
    if utf16_length(text) <= MESSAGE_UNITS:
        return text
    kept = ""
    for line in text.splitlines():
        longer = f"{kept}\n{line}" if kept else line
        if utf16_length(longer + CUT) > MESSAGE_UNITS:
            break
        kept = longer
    return kept + CUT
