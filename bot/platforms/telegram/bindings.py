"""Telegram updates bound to the command layer (docs/BEHAVIOUR.md), and the bot's own membership.

Thin on purpose: parsing and every decision belong to `handlers.commands`. This
module only says where a command came from (a private chat, a group, a forum
topic, a channel), who sent it and whether they are an admin there, and sends
the reply back as plain text: no parse mode, so story titles taken from the web
cannot inject markup. Telegram has no reply only the caller sees, so a
`Reply.private` is answered in the chat like any other.

`my_chat_member` updates switch a chat's subscriptions off when the bot is
removed and on again when it is added back (docs/BEHAVIOUR.md, Platform answers); a
group's migration to a supergroup moves them to its new id. Both go through the command
layer. They name the whole
Telegram chat, so they reach the chat and every forum topic of it (each a chat
of its own by thread id) alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from telegram import (
    Bot,
    Chat,
    ChatMember,
    ChatMemberRestricted,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram import error as tg
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.errors import BadArgument, BadOpml, NotAllowed
from bot.core.model import Attachment, ChatRef
from bot.core.render.telegram_html import utf16_length
from bot.platforms.telegram.config import TelegramConfig
from bot.platforms.telegram.messenger import retry_seconds
from bot.platforms.telegram.presses import TelegramPresses, keyboard
from handlers.caller import Upload
from handlers.commands import Caller, CommandLayer, Reply
from handlers.opml import TOO_BIG
from handlers.registry import MENU

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_REPLY_UNITS = 4096  # Telegram's limit on a message's text, in UTF-16 code units
CAPTION_CHARS = 1024  # Telegram's limit on a document's caption
MAX_REPLY_WAIT = 30.0  # longest flood wait a command reply sits out before giving up
FAILED = "Sorry, that command failed on our side; please try again in a minute."
NO_ADMIN_CHECK = "Couldn't ask Telegram whether you are an admin here; please try again."
# Edited messages are left out on purpose: correcting a typo in an old /subscribe
# must not run it a second time.
COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
CAPTION_COMMAND = r"^/[A-Za-z0-9_]+(@\w+)?(\s|$)"
_ADMIN_STATUSES = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})
_PRESENT_STATUSES = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def install(application: Application, layer: CommandLayer, config: TelegramConfig,
            clock: Callable[[], datetime]) -> None:
    """Register the chat commands (messages and channel posts) and the
    bot's own membership changes on `application`."""
    bindings = TelegramBindings(layer, AdminCache(config.admin_cache_seconds, clock))
    names = [name for name, _ in MENU]
    application.add_handler(CommandHandler(names, bindings.on_command, filters=COMMAND_UPDATES))
    # A document captioned with a command: Telegram puts no command entity in `text`.
    application.add_handler(MessageHandler(
        COMMAND_UPDATES & filters.Document.ALL & filters.CaptionRegex(CAPTION_COMMAND),
        bindings.on_command))
    application.add_handler(
        ChatMemberHandler(bindings.on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, bindings.on_migration))
    application.add_handler(CallbackQueryHandler(TelegramPresses(layer, bindings.presser).on_press))


class AdminCache:
    """getChatMember answers, kept for `seconds` so a burst of admin commands asks once."""

    def __init__(self, seconds: float, clock: Callable[[], datetime]) -> None:
        self._ttl = timedelta(seconds=seconds)
        self._clock = clock
        self._answers: dict[tuple[int, int], tuple[bool, datetime]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Whether the user is the group's creator or an administrator.

        Raises NotAllowed (a reply for the caller) when Telegram cannot be asked.
        """
        now = self._clock()
        cached = self._answers.get((chat_id, user_id))
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except tg.TelegramError as error:
            logger.warning("getChatMember failed in chat %s: %s", chat_id, error)
            raise NotAllowed(NO_ADMIN_CHECK) from error
        admin = member.status in _ADMIN_STATUSES
        self._remember((chat_id, user_id), admin, now)
        return admin

    def _remember(self, key: tuple[int, int], admin: bool, now: datetime) -> None:
        if len(self._answers) >= 4096:  # keep memory bounded on a busy bot
            self._answers = {k: v for k, v in self._answers.items() if v[1] > now}
        self._answers[key] = (admin, now + self._ttl)


class TelegramBindings:
    """The update callbacks: Telegram facts in, the command layer's reply out."""

    def __init__(self, layer: CommandLayer, admins: AdminCache) -> None:
        self._layer = layer
        self._admins = admins

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Run one command (a message or a channel post) and answer it in the same place."""
        message = update.effective_message
        text = None if message is None else (message.text or message.caption)
        if message is None or text is None:
            return
        caller = self._caller(message, context.bot)
        try:
            reply = await self._layer.run_text(caller, text, bot_username=context.bot.username)
        except Exception:  # a handler is a job boundary: log it, answer, keep serving others
            logger.exception("command %r failed in chat %s", text[:64], caller.chat)
            reply = Reply(FAILED, private=True)
        if reply is not None and reply.attachment is not None:
            await send_file_reply(context.bot, message, caller.chat, reply.text, reply.attachment)
        elif reply is not None:
            await send_reply(context.bot, message, caller.chat, reply.text,
                             keyboard(reply.buttons))

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to or removed from a chat: switch its subscriptions on or off."""
        change = update.my_chat_member
        if change is None:
            return
        # The update names the whole group; its forum topics go and come back with it.
        await self._layer.membership(PLATFORM, str(change.chat.id),
                                     is_present(change.new_chat_member))

    async def on_migration(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup (a new id): its subscriptions move with it. Telegram
        says so in both chats; the second finds nothing left at the old id."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id is not None:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id is not None:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await self._layer.migrated(PLATFORM, str(old), str(new))

    def presser(self, message: Message, user: User, bot: Bot) -> Caller:
        """Who pressed a button under `message`: the user, an admin of a private chat, else
        as getChatMember says (in a channel too, where every reader sees the buttons)."""
        chat = message.chat

        async def is_admin() -> bool:
            return chat.type == Chat.PRIVATE or await self._admins.is_admin(bot, chat.id, user.id)

        return Caller(chat_ref(message), chat.type, str(user.id), is_admin)

    def _caller(self, message: Message, bot: Bot) -> Caller:
        return Caller(chat_ref(message), message.chat.type, sender_id(message),
                      lambda: self._is_admin(bot, message), upload=upload_of(message, bot))

    async def _is_admin(self, bot: Bot, message: Message) -> bool:
        """The user in a private chat, whoever posts in a channel, an anonymous admin
        (speaking as the group itself), else what getChatMember says."""
        chat = message.chat
        if chat.type in (Chat.PRIVATE, Chat.CHANNEL):
            return True
        if message.sender_chat is not None:
            # The group itself is an anonymous admin; a linked channel or a user's
            # channel persona is not.
            return message.sender_chat.id == chat.id
        if message.from_user is None:
            return False
        return await self._admins.is_admin(bot, chat.id, message.from_user.id)


def chat_ref(message: Message) -> ChatRef:
    """Where `message` was sent; a forum topic is a chat of its own.

    `message_thread_id` alone is not enough: in an ordinary group it names a chain
    of replies, which cannot be posted to.
    """
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatRef(PLATFORM, str(message.chat.id), str(thread) if thread else "")


def upload_of(message: Message, bot: Bot) -> Upload | None:
    """The document sent with a command: the message's own (a caption), else that of the
    message it answers (a reply "/import" to a file)."""
    document = message.document
    if document is None and message.reply_to_message is not None:
        document = message.reply_to_message.document
    if document is None:
        return None

    async def read(limit: int) -> bytes:
        try:
            file = await bot.get_file(document.file_id)
            if file.file_size is not None and file.file_size > limit:  # the message said less
                raise BadOpml(TOO_BIG.format(kib=limit // 1024))
            return bytes(await file.download_as_bytearray())
        except tg.TelegramError as error:
            raise BadArgument(f"could not download {document.file_name or 'the file'} from "
                              f"Telegram ({error.message}); please send it again") from None

    return Upload(document.file_name or "file", document.file_size, read)


def sender_id(message: Message) -> str:
    """Who sent `message`: the user, else the chat it was sent on behalf of."""
    if message.from_user is not None:
        return str(message.from_user.id)
    return str((message.sender_chat or message.chat).id)


def is_present(member: ChatMember) -> bool:
    """Whether this membership lets the bot stay in the chat (a restricted bot still is)."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _PRESENT_STATUSES


async def send_reply(bot: Bot, message: Message, ref: ChatRef, text: str,
                     markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer `message` with `text` as plain text, split to Telegram's length limit; the
    last part carries `markup`, the reply's buttons.

    Quotes the command outside private chats, so a busy group sees what is answered.
    A failure is logged, not raised: the bot goes on serving other chats.
    """
    quote = None
    if message.chat.type != Chat.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    thread = int(ref.thread_id) if ref.thread_id else None
    parts = list(reply_parts(text))
    for index, part in enumerate(parts, 1):
        buttons = markup if index == len(parts) else None
        if not await _send_part(bot, message.chat.id, part, thread, quote, buttons):
            return
        quote = None  # only the first part quotes the command


async def send_file_reply(bot: Bot, message: Message, ref: ChatRef, caption: str,
                          attachment: Attachment) -> None:
    """Answer `message` with a file (sendDocument), `caption` as plain text under it.

    Quotes the command outside private chats, as a text reply does. A failure is logged,
    not raised; a short flood wait is sat out once.
    """
    quote = None
    if message.chat.type != Chat.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    thread = int(ref.thread_id) if ref.thread_id else None
    for attempt in (1, 2):
        document = InputFile(attachment.data, filename=attachment.filename)
        try:
            await bot.send_document(message.chat.id, document, caption=caption[:CAPTION_CHARS],
                                    parse_mode=None, message_thread_id=thread,
                                    reply_parameters=quote)
            return
        except tg.RetryAfter as error:
            wait = retry_seconds(error.retry_after)
            if attempt == 2 or wait > MAX_REPLY_WAIT:
                logger.warning("file for chat %s dropped: flood wait %.0f s", ref, wait)
                return
            await asyncio.sleep(wait)  # only this command's task waits (concurrent updates)
        except tg.TelegramError as error:
            logger.warning("file for chat %s failed: %s", ref, error)
            return


async def _send_part(bot: Bot, chat_id: int, text: str, thread: int | None,
                     quote: ReplyParameters | None,
                     markup: InlineKeyboardMarkup | None = None) -> bool:
    """send_message as plain text; after a short flood wait, once more. Whether it was sent."""
    for attempt in (1, 2):
        try:
            await bot.send_message(chat_id, text, parse_mode=None, message_thread_id=thread,
                                   link_preview_options=_NO_PREVIEW, reply_parameters=quote,
                                   reply_markup=markup)
            return True
        except tg.RetryAfter as error:
            wait = retry_seconds(error.retry_after)
            if attempt == 2 or wait > MAX_REPLY_WAIT:
                logger.warning("reply to chat %s dropped: flood wait %.0f s", chat_id, wait)
                return False
            await asyncio.sleep(wait)  # only this command's task waits (concurrent updates)
        except tg.TelegramError as error:
            logger.warning("reply to chat %s failed: %s", chat_id, error)
            return False
    return False


def reply_parts(text: str, limit: int = MAX_REPLY_UNITS) -> Iterator[str]:
    """`text` in pieces Telegram accepts: whole lines where they fit, a longer line cut."""
    part = ""
    for line in _short_lines(text, limit):
        candidate = f"{part}\n{line}" if part else line
        if utf16_length(candidate) > limit:
            yield part
            candidate = line
        part = candidate
    if part.strip():
        yield part


def _short_lines(text: str, limit: int) -> Iterator[str]:
    for line in text.splitlines():
        while utf16_length(line) > limit:
            head = _prefix_within(line, limit)
            yield head
            line = line[len(head):]
        yield line


def _prefix_within(line: str, limit: int) -> str:
    """The longest prefix of `line` of at most `limit` UTF-16 units."""
    cut = min(len(line), limit)
    while utf16_length(line[:cut]) > limit:
        cut -= 1
    return line[:cut]
