"""/status: for a chat's admins, how each story the chat follows is being checked."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.model import ChatRef, Entry
from bot.core.render import format_time
from handlers.context import Context
from handlers.following import page_update
from handlers.settings import spoken
from storage import entries, stories, subscriptions
from storage.chats import Chat
from storage.stories import Story
from storage.subscriptions import Subscription

NONE_YET = "This chat follows no story yet. Example: /subscribe https://example.com/live"


async def chat_status(context: Context, ref: ChatRef) -> str:
    """The chat's mute and digest, then each of its stories, numbered as /list numbers
    them: state, last check, the page's newest update, when the bot last found something
    new, next check and errors, in the chat's time zone."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    if chat is None or not following:
        return NONE_YET
    zone, now = context.zone(chat), context.clock()
    stories_here = "story" if len(following) == 1 else f"{len(following)} stories"
    lines = [f"Status of the {stories_here} followed here (times in {zone}):",
             f"Alerts: {delivery_state(chat, zone, now)}."]
    for number, subscription in enumerate(following, 1):
        story = await stories.get(context.db, subscription.story_id)
        newest = await entries.latest(context.db, story.id) if story else None
        lines += _story_lines(number, subscription, story, newest, zone, now)
    return "\n".join(lines)


def delivery_state(chat: Chat, zone: str, now: datetime) -> str:
    """How the chat gets its alerts: muted or not, one by one or in digests, with or
    without pictures."""
    until = chat.muted_until
    mute = f"muted until {format_time(until, zone)}" if until and until > now else "not muted"
    if chat.digest_mode == "every" and chat.digest_every:
        digest = f"a digest every {spoken(timedelta(seconds=chat.digest_every))}"
    elif chat.digest_mode == "daily":
        digest = f"a digest daily at {chat.digest_at}"
    else:
        digest = "one message per update (no digest)"
    return f"{mute}; {digest}{_pictures(chat)}"


def _pictures(chat: Chat) -> str:
    """Said only when the chat turned pictures off: on is the default."""
    return "" if chat.images else "; without pictures (/images off)"


def _story_lines(number: int, subscription: Subscription, story: Story | None,
                 newest: Entry | None, zone: str, now: datetime) -> list[str]:
    if story is None:
        return [f"{number}. (a story no longer tracked)"]
    name = f"“{story.title}”" if story.title else story.url
    state = story.state if subscription.active else "paused: this chat was unreachable"
    return [f"{number}. {name} — {state}",
            f"   last update {page_update(newest, zone)} (page time), "
            f"last found new {_when(story.last_update_at, zone, 'not yet')}",
            f"   last check {_when(story.last_checked_at, zone, 'never')}, "
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
