"""The bot's own membership of a chat: removed, its subscriptions pause; added back, they resume.

A platform's membership event names the whole platform chat, so it reaches the
chat and every forum topic of it (each a chat of its own by thread id) alike
(DESIGN §5).
"""

from __future__ import annotations

import logging

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
