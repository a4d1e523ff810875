"""/subscribe, /unsubscribe and /list: which stories a chat follows."""

from __future__ import annotations

import asyncio

from bot.core.errors import BadArgument, CommandError, NotFound
from bot.core.model import ChatRef, CheckResult, Entry, Notice
from bot.core.render import format_time
from bot.core.summarize import summarize
from bot.edges.urls import normalize_url
from handlers.context import Context
from storage import entries, filters, outbox, stories, subscriptions
from storage.chats import Chat
from storage.outbox import NewDelivery
from storage.stories import Story
from storage.subscriptions import Subscription

MAX_CHOICES = 25  # choices a platform shows while a story is typed (Discord's most)


class CannotFollow(CommandError):
    """A story's first check failed: `reason` says why."""

    def __init__(self, url: str, reason: str) -> None:
        # The reason may name the URL already ("refused to fetch URL: ..."): once is enough.
        super().__init__(f"Can't follow: {reason}" if url in reason
                         else f"Can't follow {url}: {reason}")
        self.reason = reason


async def subscribe(context: Context, ref: ChatRef, kind: str, raw_url: str) -> str:
    """Follow the story at `raw_url`. A story new here is checked first, by the story
    checker as every check is, so the reply shows what it holds; when that check takes
    longer than `first_check_wait`, the chat follows it at once and hears when it is done.

    Raises CommandError with the reason when the URL cannot be followed (CannotFollow when
    its first check failed).
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
        story = await _add(context, url)
        checking = asyncio.ensure_future(context.checker.check(story.id))
        if not await _within(checking, context.first_check_wait):
            number = known or len(following) + 1
            await _follow(context, ref, kind, story.id)
            context.later.start(_tell_when_checked(context, ref, url, story.id, checking))
            return (f"Following {url} (number {number} in /list): its first check is still "
                    "running; you will hear here when it is done.")
        story = await _first_check(context, url, story.id, checking.result())
        if not known and (known := _number_of(following, story)):
            return f"This chat already follows {_name(story)}."
    chat = await _follow(context, ref, kind, story.id)
    return await _followed(context, story, known or len(following) + 1, context.zone(chat))


def _number_of(following: list[Subscription], story: Story | None) -> int:
    """The story's number in the chat's /list, or 0 when the chat does not follow it."""
    if story is None:
        return 0
    return next((n for n, s in enumerate(following, 1) if s.story_id == story.id), 0)


async def _add(context: Context, url: str) -> Story:
    async with context.db.write() as tx:
        story = await stories.add(tx, url, now=context.clock(), interval=context.interval)
        # A retired story followed again is polled again, quiet only from now on.
        await stories.resume(tx, story.id, now=context.clock())
    return story


async def _within(checking: asyncio.Future[CheckResult], seconds: float) -> bool:
    """Whether the check is done within `seconds`; it goes on either way, unless we are
    cancelled (a stop)."""
    try:
        await asyncio.wait({checking}, timeout=seconds)
    except asyncio.CancelledError:
        checking.cancel()
        raise
    return checking.done()


async def _follow(context: Context, ref: ChatRef, kind: str, story_id: int) -> Chat:
    async with context.db.write() as tx:
        chat = await context.ensure_chat(tx, ref, kind)
        await subscriptions.subscribe(tx, chat.id, story_id, now=context.clock())
    return chat


async def _first_check(context: Context, url: str, story_id: int, result: CheckResult
                       ) -> Story:
    """The story after its first check, or the story tracked already that it turned out to
    be. Raises CommandError when the check failed (the story is forgotten if unfollowed)."""
    if result.outcome == "failed":
        async with context.db.write() as tx:
            await stories.delete_unfollowed(tx, story_id)
        raise CannotFollow(url, result.error or "the check failed")
    checked = await stories.get(context.db, story_id)
    assert checked is not None
    # The page may name itself by another URL (its canonical link, or where the
    # redirects led) that is tracked already: follow that story, don't track twice.
    twin = await stories.twin_of(context.db, checked)
    if twin is None:
        return checked
    async with context.db.write() as tx:
        await stories.delete_unfollowed(tx, checked.id)
    return twin


async def _tell_when_checked(context: Context, ref: ChatRef, url: str, story_id: int,
                             checking: asyncio.Future[CheckResult]) -> None:
    """Once a first check that outlasted the reply is done, tell the chat what it found, or
    why the story cannot be followed (and follow it no more)."""
    result = await checking
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    mine = next((s for s in following if s.story_id == story_id), None)
    if chat is None or mine is None:
        return  # unsubscribed meanwhile
    story = await stories.get(context.db, story_id) if result.outcome != "failed" else None
    twin = await stories.twin_of(context.db, story) if story is not None else None
    if story is None or twin is not None:
        async with context.db.write() as tx:
            await subscriptions.unsubscribe(tx, mine.id)
            if twin is not None and not _number_of(following, twin):
                await subscriptions.subscribe(tx, chat.id, twin.id, now=context.clock())
            await stories.delete_unfollowed(tx, story_id)
        story = twin
    if story is None:
        text = f"Can't follow {url}: {result.error}"
    else:
        number = _number_of(await subscriptions.for_chat(context.db, chat.id), story)
        text = await _followed(context, story, number, context.zone(chat))
    now = context.clock()
    async with context.db.write() as tx:
        await outbox.enqueue(tx, [NewDelivery(chat.id, "notice", Notice(text, url), now,
                                              story.id if story else None)], now=now)


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


async def story_choices(context: Context, ref: ChatRef, typed: str) -> list[tuple[str, str]]:
    """The chat's subscriptions matching what was typed, as ("N. title", "N") pairs, at most
    MAX_CHOICES."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    typed = typed.strip().lower()
    found = []
    for number, subscription in enumerate(following, 1):
        story = await stories.get(context.db, subscription.story_id)
        label = f"{number}. {(story.title or story.url) if story else '(no longer tracked)'}"
        if typed in label.lower() or (story is not None and typed in story.url.lower()):
            found.append((label, str(number)))
        if len(found) == MAX_CHOICES:
            break
    return found


def page_update(newest: Entry | None, zone: str) -> str:
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
