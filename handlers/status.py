"""/status: for a chat's admins, how each story the chat follows is being checked."""

from __future__ import annotations

from datetime import datetime

from bot.core.model import ChatRef
from bot.core.render import format_time
from handlers.context import Context
from storage import stories, subscriptions
from storage.stories import Story
from storage.subscriptions import Subscription

NONE_YET = "This chat follows no story yet. Example: /subscribe https://example.com/live"


async def chat_status(context: Context, ref: ChatRef) -> str:
    """Each of the chat's stories, numbered as /list numbers them: state, last check,
    last update seen, next check and errors, in the chat's time zone."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    if chat is None or not following:
        return NONE_YET
    zone = context.zone(chat)
    stories_here = "story" if len(following) == 1 else f"{len(following)} stories"
    lines = [f"Status of the {stories_here} followed here (times in {zone}):"]
    for number, subscription in enumerate(following, 1):
        story = await stories.get(context.db, subscription.story_id)
        lines += _story_lines(number, subscription, story, zone, context.clock())
    return "\n".join(lines)


def _story_lines(number: int, subscription: Subscription, story: Story | None, zone: str,
                 now: datetime) -> list[str]:
    if story is None:
        return [f"{number}. (a story no longer tracked)"]
    name = f"“{story.title}”" if story.title else story.url
    state = story.state if subscription.active else "paused: this chat was unreachable"
    return [f"{number}. {name} — {state}",
            f"   last check {_when(story.last_checked_at, zone, 'never')}, "
            f"last update {_when(story.last_update_at, zone, 'none seen')}, "
            f"next check {_next(story, zone, now)}",
            f"   errors: {_errors(story)}"]


def _when(moment: datetime | None, zone: str, missing: str) -> str:
    return format_time(moment, zone) if moment is not None else missing


def _next(story: Story, zone: str, now: datetime) -> str:
    if story.state == "ended":
        return "none (retired: /subscribe again to resume)"
    if story.next_check_at <= now:
        return "due now"
    return format_time(story.next_check_at, zone)


def _errors(story: Story) -> str:
    if not story.failures:
        return "none"
    checks = "check" if story.failures == 1 else "checks in a row"
    return f"{story.failures} failed {checks}, the last: {story.last_error or 'no reason given'}"
