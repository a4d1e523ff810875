"""The bot's own membership of a chat: removed, its subscriptions pause; added back, they
resume; a chat that moved (a Telegram group become a supergroup) keeps them at its new id.

A platform's membership event names the whole platform chat, so it reaches the
chat and every forum topic of it (each a chat of its own by thread id) alike
(docs/BEHAVIOUR.md, Platform answers).
"""

from __future__ import annotations

import logging

from bot.core.model import ChatRef
from handlers.context import Context
from storage import chats, subscriptions

logger = logging.getLogger(__name__)


async def changed(context: Context, platform: str, chat_id: str, present: bool) -> None:
    """Switch the subscriptions of the platform's chat `chat_id` (and its topics) on when the
    bot is `present` there again, off when it was removed or blocked."""
    async with context.db.write() as tx:
        for chat in await chats.with_topics(tx, platform, chat_id):
            await chats.set_active(tx, chat.id, present)
            if present:
                await subscriptions.reactivate_chat(tx, chat.id)
            else:
                await subscriptions.deactivate_chat(tx, chat.id)
    logger.info("bot %s %s chat %s", "back in" if present else "removed from", platform, chat_id)


async def migrated(context: Context, platform: str, old_id: str, new_id: str) -> None:
    """The platform's chat `old_id` (and its topics) is now `new_id`: its subscriptions and
    settings go with it, unless a chat at the new id used the bot already."""
    async with context.db.write() as tx:
        for chat in await chats.with_topics(tx, platform, old_id):
            if await chats.by_ref(tx, ChatRef(platform, new_id, chat.ref.thread_id)) is None:
                await chats.move(tx, chat.id, new_id)
    logger.info("%s chat %s moved to %s", platform, old_id, new_id)
