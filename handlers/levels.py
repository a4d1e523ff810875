"""The filter levels an update of a followed story must pass in a chat: the chat's own, then
its subscription's, as routing applies them (for /catchup and /filter test)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.filters import Levels
from handlers.context import Context
from storage import filters, stories
from storage.subscriptions import Subscription


async def story_levels(context: Context, chat_id: int,
                       following: Sequence[Subscription]) -> list[tuple[str, Levels] | None]:
    """For each subscription, in order, its story's URL and the levels its updates must pass;
    None where the story is gone."""
    chat_level = await filters.of_level(context.db, chat_id, None)
    found: list[tuple[str, Levels] | None] = []
    for subscription in following:
        story = await stories.get(context.db, subscription.story_id)
        own = await filters.of_level(context.db, chat_id, subscription.id)
        found.append(None if story is None else (story.url, (
            (chat_level.include, chat_level.exclude), (own.include, own.exclude))))
    return found
