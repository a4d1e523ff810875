"""/subscribe, /unsubscribe and /list: which stories a chat follows."""

from __future__ import annotations

from bot.core.diff import StoredEntry
from bot.core.errors import BadArgument, CommandError, NotFound
from bot.core.model import ChatRef
from bot.core.render import format_time
from bot.core.summarize import summarize
from bot.edges.urls import normalize_url
from handlers.context import Context
from storage import entries, filters, stories, subscriptions
from storage.chats import Chat
from storage.stories import Story
from storage.subscriptions import Subscription


async def subscribe(context: Context, ref: ChatRef, kind: str, raw_url: str) -> str:
    """Follow the story at `raw_url`: checked now when new, so the reply shows what it holds.

    Raises CommandError with the reason when the URL cannot be followed.
    """
    url = normalize_url(raw_url)
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    story = await stories.by_url(context.db, url)
    known = _number_of(following, story)
    if known and story is not None and story.state != "ended" and following[known - 1].active:
        return f"This chat already follows {_name(story)}."
    if not known and len(following) >= context.limits.subscriptions_per_chat:
        raise BadArgument(f"This chat follows {len(following)} stories, the most allowed; "
                          "/unsubscribe one first (example: /unsubscribe 1).")
    if story is None or not story.baseline_done or story.state != "active":
        story = await _check_now(context, url)
        if not known and (known := _number_of(following, story)):
            return f"This chat already follows {_name(story)}."
    async with context.db.write() as tx:
        chat = await context.ensure_chat(tx, ref, kind)
        await subscriptions.subscribe(tx, chat.id, story.id, now=context.clock())
    return await _followed(context, story, known or len(following) + 1, context.zone(chat))


def _number_of(following: list[Subscription], story: Story | None) -> int:
    """The story's number in the chat's /list, or 0 when the chat does not follow it."""
    if story is None:
        return 0
    return next((n for n, s in enumerate(following, 1) if s.story_id == story.id), 0)


async def _check_now(context: Context, url: str) -> Story:
    async with context.db.write() as tx:
        story = await stories.add(tx, url, now=context.clock(), interval=context.interval)
        # A retired story followed again is polled again, quiet only from now on.
        await stories.resume(tx, story.id, now=context.clock())
    result = await context.checker.check(story.id)
    if result.outcome == "failed":
        async with context.db.write() as tx:
            await stories.delete_unfollowed(tx, story.id)
        error = result.error or "the check failed"
        raise CommandError(f"Can't follow: {error}" if story.url in error
                           else f"Can't follow {url}: {error}")
    checked = await stories.get(context.db, story.id)
    assert checked is not None
    # The page may name itself by another URL (its canonical link, or where the
    # redirects led) that is tracked already: follow that story, don't track twice.
    twin = await stories.twin_of(context.db, checked)
    if twin is None:
        return checked
    async with context.db.write() as tx:
        await stories.delete_unfollowed(tx, checked.id)
    return twin


async def _followed(context: Context, story: Story, number: int, zone: str) -> str:
    count = await entries.count(context.db, story.id)
    latest = await entries.latest(context.db, story.id)
    noun = "update" if count == 1 else "updates"
    reply = f"Following {_name(story)} (number {number} in /list): {count} {noun} so far."
    if latest is not None:
        when = format_time(latest.published_at, zone) if latest.published_at else "untimed"
        gist = summarize(latest.title, latest.text, min(context.summary_chars, 300))
        reply += f"\nLatest, {when}: {gist}"
    return reply + "\nNew updates will be sent here as they are posted."


async def unsubscribe(context: Context, ref: ChatRef, target: str) -> str:
    """Stop following the story numbered `target` in /list, or at URL `target`.

    Raises NotFound when the chat follows no such story.
    """
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    subscription = await _find(context, following, target)
    story = await stories.get(context.db, subscription.story_id)
    async with context.db.write() as tx:
        await subscriptions.unsubscribe(tx, subscription.id)
        await stories.delete_unfollowed(tx, subscription.story_id)
    return f"Stopped following {_name(story) if story else 'that story'}."


async def _find(context: Context, following: list[Subscription], target: str) -> Subscription:
    if target.isdigit():
        number = int(target)
        if 1 <= number <= len(following):
            return following[number - 1]
        raise NotFound(f"There is no subscription {number} here; /list shows the numbers.")
    url = normalize_url(target)
    story = await stories.by_url(context.db, url)
    for subscription in following:
        if story is not None and subscription.story_id == story.id:
            return subscription
    raise NotFound(f"This chat does not follow {url}; /list shows what it follows.")


async def list_subscriptions(context: Context, ref: ChatRef, page: int) -> str:
    """The chat's subscriptions, numbered, with filters, state and last update; paged."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    if chat is None or not following:
        return "This chat follows no story yet. Example: /subscribe https://example.com/live"
    size = context.limits.page_size
    pages = (len(following) + size - 1) // size
    if page > pages:
        raise NotFound(f"There are {pages} pages; example: /list {pages}")
    start = (page - 1) * size
    lines = [f"Stories followed here ({len(following)}):"] + await _chat_state(context, chat)
    for number, subscription in enumerate(following[start:start + size], start + 1):
        lines += await _line(context, chat, number, subscription)
    if pages > 1:
        lines.append(f"Page {page} of {pages}; /list {page % pages + 1} for the next.")
    return "\n".join(lines)


async def _chat_state(context: Context, chat: Chat) -> list[str]:
    lines = []
    words = await filters.of_level(context.db, chat.id, None)
    if words.include or words.exclude:
        lines.append("Chat filters: " + describe_filters(words.include, words.exclude))
    now, zone = context.clock(), context.zone(chat)
    if chat.muted_until is not None and chat.muted_until > now:
        lines.append(f"Muted until {format_time(chat.muted_until, zone)}.")
    if chat.digest_mode == "every" and chat.digest_every:
        lines.append(f"Digest every {_duration(chat.digest_every)}.")
    elif chat.digest_mode == "daily":
        lines.append(f"Digest daily at {chat.digest_at} ({zone}).")
    return lines


async def _line(context: Context, chat: Chat, number: int, subscription: Subscription
                ) -> list[str]:
    story = await stories.get(context.db, subscription.story_id)
    if story is None:
        return [f"{number}. (a story no longer tracked)"]
    state = "paused: this chat was unreachable" if not subscription.active else story.state
    if story.state == "failing" and story.last_error:
        state += f" ({story.last_error})"
    zone = context.zone(chat)
    newest = await entries.latest(context.db, story.id)
    found = (f", last found new {format_time(story.last_update_at, zone)}"
             if story.last_update_at else "")
    lines = [f"{number}. {_name(story)} — {state}, last update {page_update(newest, zone)}"
             f" (page time){found}", f"   {story.url}"]
    words = await filters.of_level(context.db, chat.id, subscription.id)
    if words.include or words.exclude:
        lines.append("   filters: " + describe_filters(words.include, words.exclude))
    return lines


def page_update(newest: StoredEntry | None, zone: str) -> str:
    """The time of the story's newest update, as its page gives it."""
    if newest is None:
        return "none seen"
    if newest.published_at is None:
        return "undated on the page"
    return format_time(newest.published_at, zone)


def describe_filters(include: tuple[str, ...], exclude: tuple[str, ...]) -> str:
    """Filters as a reader sees them: 'include iran, "red sea"; exclude sport*'."""
    parts = []
    if include:
        parts.append("include " + ", ".join(_word(w) for w in include))
    if exclude:
        parts.append("exclude " + ", ".join(_word(w) for w in exclude))
    return "; ".join(parts) if parts else "none"


def _word(word: str) -> str:
    return f'"{word}"' if " " in word else word


def _name(story: Story) -> str:
    return f"“{story.title}”" if story.title else story.url


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"))
             if n]
    return "".join(parts) or f"{seconds:g}s"
