"""`/catchup [N] [DURATION]`: what happened in the chat's stories, or in subscription N
alone, during the last DURATION (2 h unless given, at most 24 h); docs/BEHAVIOUR.md,
Chat commands.

The window is read from storage, each update kept when it passes the chat's and
its subscription's filters (as its alert would have), and written as one message
by the configured writer: the LLM's lines, or extractive ones.
"""

from __future__ import annotations

from bot.core.catchup import Happened
from bot.core.errors import NotFound
from bot.core.filters import Levels, entry_words, judge_levels
from bot.core.model import ChatRef
from handlers.command_values import Catchup
from handlers.context import Context
from handlers.levels import story_levels
from storage import recent, subscriptions

MESSAGE_CHARS = 1900
"""One message on every platform: under Discord's 2,000 characters (Telegram's is 4,096)."""


async def catchup(context: Context, ref: ChatRef, command: Catchup) -> str:
    """The catch-up message for the chat at `ref`, written by `context.catchup` (waiting
    `context.catchup_within` seconds at most for an LLM). Raises NotFound for a number
    the chat lacks."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat is not None else []
    if chat is None or not following:
        return "This chat follows no story yet. Example: /subscribe https://example.com/live"
    if command.number is not None:
        if command.number > len(following):
            raise NotFound(f"There is no subscription {command.number} here;"
                           " /list shows the numbers.")
        following = [following[command.number - 1]]
    levels = dict(found for found in await story_levels(context, chat.id, following)
                  if found is not None)
    until = context.clock()
    since = until - command.span
    window = await recent.in_window(context.db, [s.story_id for s in following],
                                    since=since, until=until)
    passed = [happened for happened in window if _passes(happened, levels)]
    return await context.catchup.catchup(passed, since=since, until=until,
                                         zone=context.zone(chat), limit=MESSAGE_CHARS,
                                         within=context.catchup_within)


def _passes(happened: Happened, levels: dict[str, Levels]) -> bool:
    """Whether the update passes its story's filters in this chat, as its alert did."""
    story_levels = levels.get(happened.story.url)
    entry = happened.entry
    return story_levels is not None and judge_levels(entry.title, entry_words(entry),
                                                     story_levels).passed
