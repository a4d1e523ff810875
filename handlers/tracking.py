"""Following a site rather than a page: /subscribe of a page that is no live page lists what
can be followed there (discovery; /subscribe N picks), and /track follows a front or section
page (or a feed) for the new live pages it gains, subscribing the chat to each whose title
passes the track's words and announcing it. /untrack stops; /list shows the tracks."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from bot.core.diff import NO_UPDATES
from bot.core.discover import Discovered, Found
from bot.core.errors import BadArgument, CommandError, FetchError, NotFound, StorywatchError
from bot.core.filters import judge, parse_words
from bot.core.model import ChatRef, Notice
from bot.core.render import format_time
from bot.edges.urls import normalize_url
from handlers import following, parse
from handlers.caller import Caller
from handlers.command_values import Command, CommandValue, Subscribe
from handlers.context import Context
from handlers.following import CannotFollow
from handlers.parse import story_url
from storage import chats, outbox, stories, subscriptions, tracks
from storage.chats import Chat
from storage.outbox import NewDelivery

log = logging.getLogger(__name__)

MAX_TRACKS = 10
"""Most pages one chat tracks."""
MAX_FOLLOWS_PER_CHECK = 5
"""Most new pages one check of a tracked page tries to follow."""
FORGET_AFTER = timedelta(days=30)
"""How long a link gone from a tracked page is remembered: one back after that is new."""
_EXAMPLE = "example: /track https://www.example.com/world ukraine -sport"
_EXCLUDED_PHRASE = re.compile(r"(^|\s)-([\"“”„'‘’«»])")


@dataclass(frozen=True, slots=True)
class Pick(CommandValue):
    """/subscribe N: item N of the chat's last discovery."""

    number: int


@dataclass(frozen=True, slots=True)
class TrackSection(CommandValue):
    """/track URL-or-N [WORD...]: words as /filter reads them, "-word" excluding."""

    target: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Untrack(CommandValue):
    """/untrack N (N as /list numbers the tracks)."""

    number: int


def parse_subscribe(args: str) -> Command:
    """/subscribe's argument: a story's address, or a number from the last discovery."""
    number = _number(args.strip())
    return Pick(number) if number is not None else parse.subscribe(args)


def parse_track(args: str) -> TrackSection:
    """/track's arguments: the page's address (or a discovery's number), then words."""
    parts = args.split(maxsplit=1)
    if not parts:
        raise BadArgument(f"/track needs a page's address; {_EXAMPLE}")
    target, rest = parts[0], parts[1] if len(parts) > 1 else ""
    number = _number(target)
    target = str(number) if number is not None else story_url("track", target)
    # -"a phrase" excludes the phrase: the minus goes inside, where the phrase keeps it.
    words = parse_words(_EXCLUDED_PHRASE.sub(r"\1\2-", rest))
    include = tuple(w for w in words if not w.startswith("-"))
    exclude = tuple(w[1:] for w in words if w.startswith("-"))
    return TrackSection(target, include, exclude)


def parse_untrack(args: str) -> Untrack:
    """/untrack's argument: a track's number as /list shows it."""
    number = _number(args.strip())
    if number is None or number < 1:
        raise BadArgument("/untrack needs a track's number as /list shows it (example: "
                          "/untrack 1)")
    return Untrack(number)


def _number(arg: str) -> int | None:
    arg = arg[1:] if arg[:1] == "#" else arg
    return int(arg) if arg.isdigit() and len(arg) <= 9 else None


async def subscribe_or_pick(context: Context, caller: Caller, command: Subscribe | Pick) -> str:
    """/subscribe: follow the story, or the discovery's item N; a page with no updates of its
    own answers with what can be followed there, numbered.

    Raises CommandError as /subscribe does (CannotFollow when the page offers nothing either).
    """
    if isinstance(command, Pick):
        picked = await _choice(context, caller.chat, command.number)
        return await following.subscribe(context, caller.chat, caller.kind, picked)
    try:
        return await following.subscribe(context, caller.chat, caller.kind, command.url)
    except CannotFollow as error:
        if error.reason != NO_UPDATES or context.pages is None:
            raise
        return await _discover(context, caller, normalize_url(command.url), error)


async def _discover(context: Context, caller: Caller, url: str, error: CannotFollow) -> str:
    """What can be followed at `url`, numbered and kept for /subscribe N; raises `error`
    when the page cannot be read again, CannotFollow when it offers nothing."""
    assert context.pages is not None
    try:
        offered = await context.pages.discover(url)
    except FetchError:
        raise error from None
    choices = offered.choices()
    if not choices:
        raise CannotFollow(url, f"{NO_UPDATES}, and it links to no live page or feed")
    async with context.db.write() as tx:
        chat = await context.ensure_chat(tx, caller.chat, caller.kind)
        await tracks.save_choices(tx, chat.id, [(f.url, f.title, f.kind) for f in choices])
    return _offer(url, choices)


def _offer(url: str, choices: tuple[Found, ...]) -> str:
    lines = [f"{url} has no updates of its own; what can be followed there:"]
    for number, found in enumerate(choices, 1):
        lines += [f"{number}. {found.title}" + (" (feed)" if found.kind == "feed" else ""),
                  f"   {found.url}"]
    lines.append("Follow one with /subscribe N (example: /subscribe 1); to follow each new "
                 f"live page that appears there: /track {url} [words]")
    return "\n".join(lines)


async def _choice(context: Context, ref: ChatRef, number: int) -> str:
    """The URL of item `number` of the chat's last discovery. Raises NotFound."""
    chat = await context.chat(ref)
    picked = await tracks.choice(context.db, chat.id, number) if chat else None
    if picked is None:
        raise NotFound(f"There is no choice {number} here: /subscribe a site's front or section "
                       "page first, to list what can be followed there.")
    return picked.url


async def track(context: Context, caller: Caller, command: TrackSection) -> str:
    """Start tracking the page: the live pages it links to now are the baseline.

    Raises FetchError when the page cannot be fetched, CommandError when the chat tracks it
    already or tracks the most pages allowed.
    """
    if context.pages is None:
        raise CommandError("Tracking is not available here.")
    chat = await context.chat(caller.chat)
    url = (await _choice(context, caller.chat, int(command.target)) if command.target.isdigit()
           else normalize_url(command.target))
    tracking = await tracks.for_chat(context.db, chat.id) if chat else []
    for number, known in enumerate(tracking, 1):
        if known.url == url:
            return (f"This chat already tracks {url} (number {number} under Tracking in /list);"
                    f" to change its words, /untrack {number} and /track it again.")
    if len(tracking) >= MAX_TRACKS:
        raise BadArgument(f"This chat tracks {len(tracking)} pages, the most allowed; "
                          "/untrack one first (example: /untrack 1).")
    if len(command.include) + len(command.exclude) > context.limits.filters_per_subscription:
        raise BadArgument(f"at most {context.limits.filters_per_subscription} words; "
                          f"{_EXAMPLE}")
    offered = await context.pages.discover(url)
    now = context.clock()
    async with context.db.write() as tx:
        chat = await context.ensure_chat(tx, caller.chat, caller.kind)
        await tracks.add(tx, chat.id, url, (command.include, command.exclude),
                         _urls(offered), now=now,
                         next_check_at=now + timedelta(seconds=context.interval))
    count = len(offered.links)
    one, many = ("feed item", "feed items") if offered.is_feed else ("live page linked",
                                                                       "live pages linked")
    return (f"Tracking {url} (number {len(tracking) + 1} under Tracking in /list): {count} "
            f"{one if count == 1 else many} there now "
            f"{'is' if count == 1 else 'are'} left as {'it is' if count == 1 else 'they are'}; "
            f"each new one{_condition(command)} will be followed here and announced.")


def _condition(command: TrackSection) -> str:
    """' whose title has iran or "red sea" but not sport', or '' for no words."""
    has = " or ".join(_quoted(w) for w in command.include)
    hasnt = " or ".join(_quoted(w) for w in command.exclude)
    if has and hasnt:
        return f" whose title has {has} but not {hasnt}"
    if has:
        return f" whose title has {has}"
    return f" whose title does not have {hasnt}" if hasnt else ""


def _quoted(word: str) -> str:
    return f'"{word}"' if " " in word else word


def _urls(offered: Discovered) -> list[str]:
    return [normalize_url(found.url) for found in offered.links]


def _words(track: TrackSection | tracks.Track) -> str:
    return following.describe_filters(track.include, track.exclude)


async def untrack(context: Context, caller: Caller, command: Untrack) -> str:
    """Stop tracking page N; the stories it brought stay followed. Raises NotFound."""
    chat = await context.chat(caller.chat)
    tracking = await tracks.for_chat(context.db, chat.id) if chat else []
    if not 1 <= command.number <= len(tracking):
        raise NotFound(f"There is no track {command.number} here; /list shows the numbers.")
    gone = tracking[command.number - 1]
    async with context.db.write() as tx:
        await tracks.remove(tx, gone.id)
    return f"Stopped tracking {gone.url}; the stories it found stay followed."


async def with_tracks(context: Context, ref: ChatRef, listed: str, page: int) -> str:
    """/list's reply `listed`, with the chat's tracks under it on the first page."""
    chat = await context.chat(ref)
    tracking = await tracks.for_chat(context.db, chat.id) if chat and page == 1 else []
    if chat is None or not tracking:
        return listed
    zone = context.zone(chat)
    lines = [listed, "", f"Tracking ({len(tracking)}; new live pages there are followed here):"]
    for number, known in enumerate(tracking, 1):
        checked = (format_time(known.last_checked_at, zone) if known.last_checked_at
                   else "not yet")
        state = f"failing ({known.last_error})" if known.failures else f"checked {checked}"
        lines += [f"{number}. {known.url} — {state}",
                  f"   words: {_words(known) if known.include or known.exclude else 'any'}"]
    lines.append("/untrack N stops tracking one.")
    return "\n".join(lines)


async def check_track(context: Context, track: tracks.Track) -> int:
    """Check a tracked page once: follow each new live page whose title passes the track's
    words and announce it in the chat; every link seen is never new again. Returns how many
    notices were written."""
    assert context.pages is not None
    try:
        offered = await context.pages.discover(track.url)
    except FetchError as error:
        async with context.db.write() as tx:
            await tracks.record(tx, track.id, now=context.clock(), error=str(error))
        return 0
    chat = await _chat(context, track)
    if chat is None:
        return 0
    wanted, ignored = _new_links(offered, await tracks.seen(context.db, track.id), track)
    notices = 0
    # The rest wait for the next check: a page that sprouts a hundred links a minute makes
    # the bot fetch a few pages a check, not a hundred.
    for url, found in wanted[:MAX_FOLLOWS_PER_CHECK]:
        notices += await _follow_new(context, chat, track, found)
        async with context.db.write() as tx:
            await tracks.mark_seen(tx, track.id, [url], now=context.clock())
    now = context.clock()
    async with context.db.write() as tx:
        await tracks.mark_seen(tx, track.id, ignored, now=now)
        await tracks.refresh(tx, track.id, _urls(offered), now=now,
                             forget_before=now - FORGET_AFTER)
        await tracks.record(tx, track.id, now=now, error=None)
    return notices


def _new_links(offered: Discovered, seen: set[str], track: tracks.Track
               ) -> tuple[list[tuple[str, Found]], list[str]]:
    """The links not seen before, as (wanted: their titles pass the track's words, with
    their normalised URLs; ignored: the URLs of the others)."""
    wanted: list[tuple[str, Found]] = []
    ignored: list[str] = []
    for found in offered.links:
        url = normalize_url(found.url)
        if url in seen:
            continue
        seen.add(url)
        if judge(found.title, "", include=track.include, exclude=track.exclude).passed:
            wanted.append((url, found))
        else:
            ignored.append(url)
    return wanted, ignored


async def _chat(context: Context, track: tracks.Track) -> Chat | None:
    return await chats.get(context.db, track.chat_id)


async def _follow_new(context: Context, chat: Chat, track: tracks.Track, found: Found) -> int:
    """Subscribe the chat to a new page as /subscribe does (its SSRF rules, its limit, its
    check that the page has updates); announce it when the chat follows it now. Returns
    how many notices were written (0 or 1)."""
    before = await _followed(context, chat)
    try:
        await following.subscribe(context, chat.ref, chat.kind, found.url)
    except BadArgument as error:  # the chat's limit: say what it missed
        return await _announce(context, chat, None, f"New on {track.url}: {found.title} "
                               f"{found.url}\nNot followed: {error}", found.url)
    except StorywatchError as error:  # no live page, or refused: not news for the chat
        log.info("track %s: not following %s: %s", track.id, found.url, error)
        return 0
    now_following = await subscriptions.for_chat(context.db, chat.id)
    added = [(number, s.story_id) for number, s in enumerate(now_following, 1)
             if s.active and s.story_id not in before]
    if not added:
        return 0  # followed already
    number, story_id = added[0]
    story = await stories.get(context.db, story_id)
    title = story.title if story is not None and story.title else found.title
    url = story.url if story is not None else found.url
    return await _announce(context, chat, story_id, f"Now following: {title} {url}\n"
                           f"(new on {track.url}; number {number} in /list)", url)


async def _followed(context: Context, chat: Chat) -> set[int]:
    return {s.story_id for s in await subscriptions.for_chat(context.db, chat.id) if s.active}


async def _announce(context: Context, chat: Chat, story_id: int | None, text: str,
                    link: str) -> int:
    now = context.clock()
    async with context.db.write() as tx:
        await outbox.enqueue(tx, [NewDelivery(chat.id, "notice", Notice(text, link), now,
                                              story_id)], now=now)
    return 1
