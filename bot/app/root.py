"""The composition root: builds the parts each command needs and runs them.

Start-up is kept light for `run --once` from cron: the HTTP client, the
extractor, the scheduler, the command layer and the platform libraries are
imported where a command first needs them, not here (tests/app/cli/test_cold_start.py).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import math
import sqlite3
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.app.digester import Digester
from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.app.housekeeping import Housekeeping
from bot.app.leases import Lease, process_owner
from bot.app.service import DeliveryLoop, Poller
from bot.app.status import InstanceStatus, instance_status
from bot.app.summaries import Summaries, summaries_from_config, summary_budget
from bot.app.telemetry import SILENT, Events
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.errors import (
    BadArgument,
    BadUrl,
    NoUpdates,
    StorageError,
    StorywatchError,
    Transient,
)
from bot.core.filters import parse_words
from bot.core.model import ChatRef, CheckResult, Fetched, Message, Page, Recipe
from bot.core.ports import Fetcher, Messenger, Pace
from bot.edges.config import Config
from bot.edges.extraction_pool import extract_with, extraction_pool
from bot.edges.lazy_fetch import LazyFetcher
from bot.edges.urls import normalize_url
from bot.platforms import CHAT_PLATFORMS, CONSOLE
from bot.platforms.console import EndOfInput
from bot.platforms.console.messenger import ConsoleMessenger
from bot.platforms.plugin import Job, Launch, Platform
from storage import Database, stories, subscriptions
from storage.copy import copy_instance
from storage.db import Lock, is_postgres
from storage.outbox import OUTBOX_CHANNEL, release_claims

if TYPE_CHECKING:
    from bot.app.listener import Operations
    from bot.app.scheduler import Tick
    from bot.app.tracker import Tracker
    from bot.core.discover import Discovered
    from bot.core.extract import Explained
    from handlers.commands import CommandLayer
    from handlers.context import Context, PageReader, StoryChecker


async def check(target: str, config: Config) -> Page:
    """Fetch a URL, or read a file, and extract its entries once.

    Raises FetchError subclasses for what cannot be fetched or read, and
    NoUpdates when the document holds no timestamped updates.
    """
    return _with_updates(extract(await _fetch_once(target, config), config), target)


def _with_updates(page: Page, target: str) -> Page:
    """`page`, or NoUpdates when it holds no timestamped updates."""
    if not page.entries:
        raise NoUpdates(f"no timestamped updates found in {target}")
    return page


class Pages:
    """Story pages fetched and read as `check` reads them, nothing stored (the command
    layer's `PageReader`): through the running fetcher, extracted in `pool` when given."""

    def __init__(self, fetcher: Fetcher, config: Config, pool: Executor | None = None) -> None:
        self._fetcher = fetcher
        self._recipes = recipes(config)
        self._pool = pool

    async def read(self, url: str) -> Page:
        """The page at `url`. Raises FetchError (NoUpdates when it holds no updates)."""
        fetched = await self._fetcher.fetch(url)
        page = await asyncio.get_running_loop().run_in_executor(
            self._pool, extract_with, self._recipes, fetched)
        return _with_updates(page, url)

    async def discover(self, url: str) -> Discovered:
        """The live pages and feeds the page at `url` offers. Raises FetchError."""
        from bot.core.discover import discover_fetched

        fetched = await self._fetcher.fetch(url)
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, discover_fetched, fetched)


async def check_explained(target: str, config: Config) -> Explained:
    """`check`, with the time evidence behind each entry (`check --explain`).

    Raises as `check` does.
    """
    from bot.core.extract import explain_page

    fetched = await _fetch_once(target, config)
    explained = explain_page(
        fetched.body or b"", url=fetched.final_url, fetched_at=fetched.fetched_at,
        content_type=fetched.content_type, charset=fetched.charset, recipes=recipes(config))
    if not explained.page.entries:
        raise NoUpdates(f"no timestamped updates found in {target}")
    return explained


async def _fetch_once(target: str, config: Config) -> Fetched:
    from bot.edges.fetch import HttpFetcher
    from bot.edges.local_file import read_file

    if _is_local_file(target):
        return read_file(Path(target), config.fetch.max_bytes, now=_now())
    async with HttpFetcher(config.fetch) as fetcher:
        return await fetcher.fetch(_as_url(target))


def extract(fetched: Fetched, config: Config) -> Page:
    """Extract a fetched document's entries with the configured recipes."""
    return extract_with(recipes(config), fetched)


def recipes(config: Config) -> tuple[Recipe, ...]:
    """The site recipes configured by the operator."""
    return tuple(Recipe(r.host, r.entry, r.time, r.title, r.text) for r in config.recipes)


def _is_local_file(target: str) -> bool:
    return "://" not in target and Path(target).is_file()


def _as_url(target: str) -> str:
    if Path(target).is_dir():
        raise BadUrl(f"{target} is a directory: check reads one file or one URL")
    if "://" not in target and not target.startswith("www."):
        raise BadUrl(f"no such file, and not an http(s) URL: {target}")
    return normalize_url(target if "://" in target else f"https://{target}")


# --- watch and demo: one story followed by a console chat, its alerts printed ---


async def watch(url: str, config: Config, *, every: float | None = None,
                include: Sequence[str] = (), exclude: Sequence[str] = (),
                as_json: bool = False, retries: int = 3,
                out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
    """Watch one story and print each new update to `out`, until cancelled.

    What was seen is kept in the database the config names, else in a temporary one.
    The console chat's subscription gets `include`/`exclude` (each one word or
    phrase), replacing any it had. Raises BadUrl, BadArgument for a filter
    word, and StorywatchError when a story never checked before fails its first check
    or, later, when `retries` + 1 checks in a row fail.
    """
    target = normalize_url(url)
    words = (_filter_words(include), _filter_words(exclude))
    async with _watch_database(config) as db:
        await _follow_on_console(db, config, ConsoleMessenger(out, as_json=as_json), target,
                                 every, words, err=err, retries=retries)


@asynccontextmanager
async def _watch_database(config: Config) -> AsyncIterator[Database]:
    """The database the config names (a path or a URL); else a temporary one, removed after:
    a watch leaves nothing in the instance's default database."""
    storage = config.storage
    if storage.url is not None or "path" in storage.model_fields_set:
        async with _database(config) as db:
            yield db
        return
    with tempfile.TemporaryDirectory(prefix="storywatch-watch-") as folder:
        temporary = storage.model_copy(update={"path": Path(folder) / "watch.db"})
        async with _database(config.model_copy(update={"storage": temporary})) as db:
            yield db


async def demo(config: Config, *, updates: int | None = None, reveal_every: float = 5.0,
               out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
    """Serve the bundled story on loopback and watch it with a temporary database.

    Returns after `updates` alerts (never when None: until cancelled).
    """
    from bot.app.demo import DemoServer, load_story

    with tempfile.TemporaryDirectory(prefix="storywatch-demo-") as folder:
        config = config.model_copy(update={
            "storage": config.storage.model_copy(update={"path": Path(folder) / "demo.db",
                                                         "url": None}),
            # The demo's own server is on loopback, which stories may otherwise not use.
            "fetch": config.fetch.model_copy(update={"allow_networks": (
                *config.fetch.allow_networks, ipaddress.ip_network("127.0.0.1"))}),
        })
        async with (DemoServer(load_story(), reveal_every=reveal_every) as server,
                    _database(config) as db):
            err.write(f"storywatch demo: watching {server.url}, a new update every "
                      f"{reveal_every:g} s; Ctrl-C stops\n")
            err.flush()
            every = max(reveal_every / 4, 0.05)
            await _follow_on_console(db, config, ConsoleMessenger(out), server.url, every,
                                     ((), ()), err=err, updates=updates)


async def _follow_on_console(db: Database, config: Config, messenger: ConsoleMessenger,
                             url: str, every: float | None,
                             words: tuple[Sequence[str], Sequence[str]], *, err: TextIO,
                             updates: int | None = None, retries: int | None = None) -> None:
    """Follow the story from a console chat of its own (/subscribe, /filter), then check it
    and print its alerts as `run` does, until cancelled or `updates` alerts were printed.

    Raises StorywatchError once more than `retries` checks in a row failed (never when None).
    """
    from bot.app.scheduler import Scheduler, Tick
    from bot.edges.fetch import HttpFetcher

    counted = _Counted(messenger, updates)
    dispatcher = Dispatcher(db, {messenger.platform: counted},
                            DispatchPolicy.from_config(config), _now)
    deliveries = DeliveryLoop(dispatcher, idle=config.schedule.tick)
    async with HttpFetcher(config.fetch) as fetcher, AsyncExitStack() as stack:
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          await summaries_from_config(config, stack, _now),
                          WatchPolicy.from_config(config), _now)
        followed = asyncio.Event()  # a failed first check is an error, not "retrying"
        failing = asyncio.Event()

        def failed(result: CheckResult) -> None:
            if not followed.is_set():
                return
            if retries is None:
                _retrying(err, result)
            else:
                failing.set()

        poller = Poller(db, watcher, concurrency=1, per_host=1, clock=_now,
                        checked=deliveries.wake, failed=failed)
        stack.push_async_callback(poller.aclose)
        story_id = await _console_subscription(db, config, poller, url, every, words)
        followed.set()
        tick = min(config.schedule.tick, every or config.schedule.tick)
        await stack.enter_async_context(Scheduler([Tick("poll", tick, poller.tick)]))
        try:
            async with asyncio.TaskGroup() as jobs:
                side = [jobs.create_task(deliveries.run())]
                if retries is not None:
                    side.append(jobs.create_task(_give_up(db, story_id, retries, failing, err)))
                await counted.enough.wait()
                for job in side:
                    job.cancel()
        except* StorywatchError as gave_up:
            raise gave_up.exceptions[0] from None


async def _console_subscription(db: Database, config: Config, checks: Poller, url: str,
                                every: float | None,
                                words: tuple[Sequence[str], Sequence[str]]) -> int:
    """Subscribe a console chat of this story's own (the filters of one `watch` don't leak
    into another's) through the command layer, with these filters and interval; returns
    the story's id."""
    from handlers import following, settings
    from handlers.command_values import FilterClear, FilterEdit

    context = replace(command_context(config, db, checks, _now), edits=False,
                      first_check_wait=math.inf)
    ref = ChatRef("console", "watch", url)
    try:
        await following.subscribe(context, ref, "console", url)
    except following.CannotFollow as error:
        raise StorywatchError(_cannot_watch(url, error.reason, 1)) from None
    await settings.filters_command(context, ref, "console", FilterClear(1))
    include, exclude = words
    for edit in (FilterEdit(1, "add", tuple(include)), FilterEdit(1, "exclude", tuple(exclude))):
        if edit.words:
            await settings.filters_command(context, ref, "console", edit)
    chat = await context.chat(ref)
    assert chat is not None
    [followed] = await subscriptions.for_chat(db, chat.id)
    story = await stories.get(db, followed.story_id)
    assert story is not None
    async with db.write() as tx:
        await stories.set_schedule(tx, story.id, interval=every or story.interval,
                                   fixed=every is not None, next_check_at=_now())
    return story.id


def _retrying(err: TextIO, result: CheckResult) -> None:
    err.write(f"storywatch: check failed, retrying: {result.error}\n")
    err.flush()


async def _give_up(db: Database, story_id: int, retries: int, failing: asyncio.Event,
                   err: TextIO) -> None:
    """After each failed check: say it is retried, or raise StorywatchError once more than
    `retries` checks in a row failed (the story's failures count those)."""
    while True:
        await failing.wait()
        failing.clear()
        story = await stories.get(db, story_id)
        if story is None or not story.failures:
            continue
        error = story.last_error or "the check failed"
        if story.failures > retries:
            raise StorywatchError(_cannot_watch(story.url, error, story.failures))
        err.write(f"storywatch: check failed, retrying: {error}\n")
        err.flush()


def _cannot_watch(url: str, error: str, failures: int) -> str:
    """One line: why the watch ends, naming the URL once."""
    tries = f" ({failures} checks in a row failed)" if failures > 1 else ""
    subject = "cannot watch" if url in error else f"cannot watch {url}"
    return f"{subject}: {error}{tries}"


class _Counted:
    """A messenger that sets `enough` once it has sent `updates` messages (never when None)."""

    def __init__(self, messenger: Messenger, updates: int | None) -> None:
        self.platform = messenger.platform
        self._messenger = messenger
        self._left = updates
        self.enough = asyncio.Event()

    async def send(self, chat: ChatRef, message: Message, *, pace: Pace | None = None,
                   key: str | None = None) -> str:
        """See `Messenger.send`; past `updates`, Transient: the message waits in the outbox."""
        if self.enough.is_set():
            raise Transient("enough printed")
        sent = await self._messenger.send(chat, message, pace=pace, key=key)
        if self._left is not None:
            self._left -= 1
            if self._left <= 0:
                self.enough.set()
        return sent

    async def edit(self, chat: ChatRef, message_id: str, message: Message) -> None:
        """See `Messenger.edit`."""
        await self._messenger.edit(chat, message_id, message)


def _filter_words(values: Sequence[str]) -> tuple[str, ...]:
    """Each command-line value as one word or phrase, as written (BadArgument when empty)."""
    words = []
    for value in values:
        parsed = parse_words(value)
        words.append(" ".join(value.split()) if len(parsed) > 1 else parsed[0] if parsed else "")
        if not words[-1]:
            raise BadArgument('a filter word is empty; example: --include "red sea"')
    return tuple(words)


def _now() -> datetime:
    return datetime.now(UTC)


# --- db: storage upkeep ---


async def migrate(config: Config) -> int:
    """Open the database (which applies pending migrations); returns its schema version."""
    async with _database(config) as db:
        return await db.schema_version()


async def backup(config: Config, destination: Path) -> None:
    """Copy the database to `destination` consistently, replacing it only once the copy is
    whole. Raises StorageError."""
    partial = destination.with_name(f".{destination.name}.partial")
    async with _database(config) as db:
        try:
            partial.unlink(missing_ok=True)
            await db.backup(partial)
            partial.replace(destination)
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot back up to {destination}: {error}") from None
        finally:
            partial.unlink(missing_ok=True)


async def status(config: Config) -> InstanceStatus:
    """The instance's stories, chats, outbox and last errors (`storywatch status`)."""
    async with _database(config) as db:
        return await instance_status(db, _now())


async def copy(source: str, destination: str) -> dict[str, int]:
    """Copy a whole instance between databases (each a SQLite path or a postgresql:// URL);
    returns the rows copied per table. Raises StorageError."""
    async with (_opened(source) as origin, _opened(destination) as target):
        return await copy_instance(origin, target)


@asynccontextmanager
async def _opened(target: str) -> AsyncIterator[Database]:
    where: Path | str = target if is_postgres(target) else Path(target)
    try:
        async with Database.open(where) as db:
            yield db
    except (sqlite3.Error, OSError) as error:
        raise StorageError(f"cannot open the database {target}: {error}") from None


@asynccontextmanager
async def _database(config: Config) -> AsyncIterator[Database]:
    """The configured database, its errors on opening as one-line StorageErrors."""
    storage = config.storage
    async with AsyncExitStack() as stack:
        try:
            db = await stack.enter_async_context(Database.open(
                storage.target, busy_timeout=storage.busy_timeout, pool_size=storage.pool_size))
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot open the database {storage.shown}: {error}") from None
        yield db


# --- opml: a chat's subscriptions out and in ---

IMPORT_CHECK_WAIT = 24 * 3600.0  # seconds: the command line waits for every first check


def chat_ref(value: str) -> ChatRef:
    """The chat named PLATFORM:ID (or PLATFORM:ID:THREAD). Raises BadArgument."""
    platform, _, rest = value.partition(":")
    chat_id, _, thread = rest.partition(":")
    names = [platform.name for platform in (*CHAT_PLATFORMS, CONSOLE)]
    if platform not in names or not chat_id:
        raise BadArgument(f"--chat {value!r}: expected PLATFORM:ID with PLATFORM one of "
                          f"{', '.join(names)} (example: --chat telegram:-1001234567890)")
    return ChatRef(platform, chat_id, thread)


async def export_opml(config: Config, chat: ChatRef) -> str:
    """The chat's followed stories as an OPML 2.0 document (`storywatch opml export`)."""
    from handlers.opml import export_opml as export

    async with _database(config) as db:
        return await export(command_context(config, db, _NoChecks(), _now), chat)


class _NoChecks:
    """The checker of a command that checks nothing (an export)."""

    async def check(self, story_id: int) -> CheckResult:
        raise AssertionError(f"an export checked story {story_id}")


async def import_opml(config: Config, chat: ChatRef, data: bytes) -> str:
    """Follow, in `chat`, each URL an OPML file names, as /subscribe would (its SSRF rules
    and limits apply), each first check awaited; returns the one-line report. Raises
    BadOpml, following nothing, for a file that cannot be read safely."""
    from handlers.opml import import_opml as follow_all

    async with (_database(config) as db, LazyFetcher(config.fetch) as fetcher,
                AsyncExitStack() as stack):
        pool = stack.enter_context(extraction_pool())
        summaries = await summaries_from_config(config, stack, _now, SILENT, db)
        watcher = Watcher(db, fetcher, functools.partial(extract_with, recipes(config)),
                          summaries, WatchPolicy.from_config(config), _now, pool=pool)
        poller = Poller(db, watcher, concurrency=config.fetch.concurrency,
                        per_host=config.fetch.per_host, clock=_now,
                        checked=lambda: None)  # a baseline check sends nothing
        stack.push_async_callback(poller.aclose)
        context = replace(command_context(config, db, poller, _now),
                          first_check_wait=IMPORT_CHECK_WAIT)
        stack.push_async_callback(context.later.aclose)
        imported = await follow_all(context, chat, "private", data)
        return imported.report()


# --- run: the service loop, with the platforms the config enables ---

ROLES = ("all", "checker", "sender")
"""checker: fetch, extract, diff, enqueue. sender: the platforms, the command layer, the
dispatcher, digests and housekeeping. all: both in one process."""


async def run(config: Config, *, once: bool = False, role: str = "all",
              stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """Run the bots the config enables, the scheduler and the dispatcher, until cancelled.

    With no platform token the console is the chat: commands from `stdin`,
    replies and alerts on `out`. With `once`, no commands are read: every
    story due now is checked once, what is due is delivered, and it returns.
    `role` runs the checking or the sending part alone (PostgreSQL only: many
    processes share its database). Raises StorageError for a role SQLite cannot serve.
    """
    if role != "all" and (once or config.storage.url is None):
        raise StorageError(f"--role {role} needs PostgreSQL ([storage] url) and no --once:"
                           " a SQLite database serves one process, which runs --role all")
    async with (_database(config) as db, LazyFetcher(config.fetch) as fetcher,
                AsyncExitStack() as stack):
        pool = stack.enter_context(extraction_pool())
        operations = None if once else await _operations(config, db, stack)
        events = SILENT if operations is None else operations.events
        summaries = await summaries_from_config(config, stack, _now, events, db)
        watcher = Watcher(db, fetcher, functools.partial(extract_with, recipes(config)),
                          summaries, WatchPolicy.from_config(config), _now,
                          pool=pool, events=events)
        shared = db.dialect == "postgresql"
        owner = process_owner()
        checked = _Relay()
        poller = Poller(db, watcher, concurrency=config.fetch.concurrency,
                        per_host=config.fetch.per_host, clock=_now, checked=checked,
                        lease=Lease(owner, config.storage.lease) if shared else None)
        # Every role closes it: a sender's /subscribe asks it for a new story's first check.
        stack.push_async_callback(poller.aclose)
        if once:
            checks = (poller, Pages(fetcher, config, pool), summaries)
            sender = await _sender(config, db, checks,
                                   stack,
                                   (stdin, out), None, events,
                                   serve=lambda _job: None)  # --once serves no commands
            tracker = _tracker(config, db, checks, lambda: None)
            stack.push_async_callback(tracker.aclose)
            await tracker.tick()
            await _check_due_once(poller, sender.digester, sender.dispatcher)
            return
        if operations is not None and role == "checker":
            operations.watch_platforms({})  # a checker connects no platform
        # A sender's chat claims last as long as its takeover may take.
        claim = Lease(owner, config.storage.failover) if shared else None
        # With both parts, checking starts once the platforms are up: a bad token stops
        # start-up before any story is checked.
        started = asyncio.Event()
        if role == "checker":
            started.set()
        part = _Part(config, db, poller, Pages(fetcher, config, pool), summaries, operations,
                     events)
        try:
            async with asyncio.TaskGroup() as jobs:
                if role != "sender":
                    jobs.create_task(_check(part, poller, started, checked))
                if role != "checker":
                    jobs.create_task(_send(part, checked, stdin, out, claim, started))
        except* StorywatchError as failed:
            raise failed.exceptions[0] from None
        except* EndOfInput:
            # The console's operator is done: what is still pending stays in the outbox
            # for the next run, and a check cut short was never committed.
            pass


@dataclass(frozen=True, slots=True)
class _Part:
    """What the checking and the sending part of a run share."""

    config: Config
    db: Database
    checks: Poller
    pages: Pages
    summaries: Summaries
    operations: Operations | None
    events: Events


def _watched(part: _Part, ticks: list[Tick]) -> list[Tick]:
    return ticks if part.operations is None else part.operations.watched(ticks)


async def _check(part: _Part, poller: Poller, started: asyncio.Event,
                 checked: Callable[[], None]) -> None:
    """The checking part: the poll tick and the track tick, from `started` until cancelled;
    `checked` hears of notices the track tick wrote."""
    from bot.app.scheduler import Scheduler, Tick

    await started.wait()
    tracker = _tracker(part.config, part.db, (poller, part.pages, part.summaries), checked)
    # The track tick is not watched for readiness: one slow section page may hold it a
    # fetch's timeout, which says nothing about the scheduler.
    ticks = [*_watched(part, [Tick("poll", part.config.schedule.tick, poller.tick)]),
             Tick("tracks", part.config.schedule.tick, tracker.tick)]
    try:
        async with Scheduler(ticks):
            await asyncio.Event().wait()
    finally:
        await tracker.aclose()


def _tracker(config: Config, db: Database, checks: tuple[Poller, Pages, Summaries],
             checked: Callable[[], None]) -> Tracker:
    """The track tick's checker: follows new live pages as /subscribe does."""
    from bot.app.tracker import Tracker

    poller, pages, summaries = checks
    context = command_context(config, db, poller, _now, pages=pages, summaries=summaries)
    return Tracker(context, _now, concurrency=config.fetch.concurrency,
                   max_interval=config.schedule.max_interval, notified=checked)


class _Relay:
    """A callback connected later: checks wake the delivery loop once the sender is up
    (after its election, on PostgreSQL), and nothing before."""

    def __init__(self) -> None:
        self._to: Callable[[], None] = lambda: None

    def connect(self, to: Callable[[], None]) -> None:
        """Relay to `to` from now on, and call it once for what came before."""
        self._to = to
        to()

    def __call__(self) -> None:
        self._to()


@dataclass(frozen=True, slots=True)
class _Sender:
    """The sending part of a running bot, its platforms started."""

    messengers: dict[str, Messenger]
    dispatcher: Dispatcher
    deliveries: DeliveryLoop
    digester: Digester
    housekeeping: Housekeeping


async def _sender(config: Config, db: Database, checks: tuple[Poller, Pages, Summaries],
                  stack: AsyncExitStack,
                  streams: tuple[TextIO, TextIO], claim: Lease | None, events: Events,
                  serve: Callable[[Job], None]) -> _Sender:
    """Start the platforms (the console when none is enabled) and build what sends."""
    # Made once, when a platform or the console first serves commands (never by a
    # plain --once): every platform shares its command throttle.
    layer = functools.cache(functools.partial(_command_layer, config, db, *checks, stack))
    messengers = await _start_platforms(config, Launch(None, layer, stack, _now, *streams,
                                                        serve))
    if db.dialect == "sqlite":
        # A SQLite file serves one process: the sends it had on the wire when it last
        # stopped, or was killed, are its own to make again at once.
        async with db.write() as tx:
            await release_claims(tx)
    dispatcher = Dispatcher(db, messengers, DispatchPolicy.from_config(config), _now, claim,
                            events=events)
    deliveries = DeliveryLoop(dispatcher, idle=config.schedule.tick)
    digester = Digester(db, _now, default_timezone=config.bot.default_timezone,
                        max_chars=config.summary.max_chars, released=deliveries.wake,
                        summarizer=checks[2], summary_budget=summary_budget(config))
    housekeeping = Housekeeping(db, _now, retire_after=config.schedule.retire_after,
                                max_failures=config.schedule.max_failures,
                                notified=deliveries.wake)
    return _Sender(messengers, dispatcher, deliveries, digester, housekeeping)


async def _send(part: _Part, checked: _Relay, stdin: TextIO, out: TextIO, claim: Lease | None,
                started: asyncio.Event) -> None:
    """The sending part: once this process holds its platforms' locks (one process at a
    time connects a token), start them (then set `started`) and send until cancelled, or
    until a lock is lost."""
    from bot.app.scheduler import Scheduler

    config, db = part.config, part.db
    async with AsyncExitStack() as stack:
        locks = [await stack.enter_async_context(
                     db.hold_lock(name, keepalive=config.storage.failover))
                 for name in _platform_locks(config)]
        jobs_of_platforms: list[Job] = []
        sender = await _sender(config, db, (part.checks, part.pages, part.summaries), stack,
                               (stdin, out), claim,
                               part.events, jobs_of_platforms.append)
        if part.operations is not None:
            part.operations.watch_platforms(sender.messengers)
        checked.connect(sender.deliveries.wake)
        started.set()
        await stack.enter_async_context(db.listen(OUTBOX_CHANNEL, sender.deliveries.wake))
        await stack.enter_async_context(Scheduler(
            _watched(part, _ticks(config, sender.digester, sender.housekeeping))))
        # A TaskGroup waits for every job on a stop, so nothing still writing
        # outlives the database.
        async with asyncio.TaskGroup() as jobs:
            jobs.create_task(sender.deliveries.run())
            for lock in locks:
                jobs.create_task(_lost(lock))
            for job in jobs_of_platforms:
                jobs.create_task(job())


def _enabled(config: Config) -> list[tuple[Platform, Any]]:
    """The chat platforms the config enables, each with its section."""
    sections = [(platform, getattr(config, platform.name)) for platform in CHAT_PLATFORMS]
    return [(platform, section) for platform, section in sections if platform.enabled(section)]


def _platform_locks(config: Config) -> list[str]:
    """The locks a sender must hold: one per platform it connects (named by its lock key,
    never a token itself), in one order for every process so two never hold one each."""
    enabled = _enabled(config)
    if not enabled:
        return [f"sender:{CONSOLE.name}"]
    return sorted(f"sender:{platform.name}:{platform.lock_key(section)}"
                  for platform, section in enabled)


async def _lost(lock: Lock) -> None:
    """Raise once `lock` is lost: another process may now hold its platform, so this one
    stops (a supervisor starts it again, as a standby)."""
    await lock.lost.wait()
    raise StorageError(f"lost the database lock {lock.name.split(':')[1]}: stopping")


async def _check_due_once(poller: Poller, digester: Digester, dispatcher: Dispatcher) -> None:
    """Check every story due now, release due digests, then send until nothing more is due
    (`run --once`)."""
    await poller.tick()
    await poller.idle()
    await digester.tick()
    while await dispatcher.drain():
        pass


def command_context(config: Config, db: Database, checker: StoryChecker,
                    clock: Callable[[], datetime], *, pages: PageReader | None = None,
                    summaries: Summaries | None = None) -> Context:
    """What the command layer works with, for a loaded configuration; `summaries` (the
    configured summarizer; extractive when None) writes /preview's summaries and
    /catchup's message."""
    from bot.core.catchup import ExtractiveCatchup
    from bot.core.summarize import ExtractiveSummarizer
    from handlers.context import Context, Limits

    caps = config.limits
    limits = Limits(caps.subscriptions_per_chat, caps.filters_per_subscription,
                    caps.argument_chars, caps.commands_per_minute,
                    digest_floor=caps.digest_floor)
    # An LLM's catch-up is waited for a second beyond its own timeout (a slot may be busy).
    within = config.summary.llm_timeout + 1 if config.summary.llm_url else None
    return Context(db, checker, clock, config.schedule.interval, config.bot.default_timezone,
                   config.summary.max_chars, limits, config.alerts.edits, pages=pages,
                   summarizer=summaries or ExtractiveSummarizer(),
                   catchup=summaries or ExtractiveCatchup(), catchup_within=within)


def _command_layer(config: Config, db: Database, checks: Poller, pages: Pages,
                   summaries: Summaries, stack: AsyncExitStack) -> CommandLayer:
    """The chat commands' layer, for the platforms and the console that serve commands;
    what its commands go on doing after their replies stops with `stack`."""
    from handlers.commands import CommandLayer

    context = command_context(config, db, checks, _now, pages=pages, summaries=summaries)
    stack.push_async_callback(context.later.aclose)
    return CommandLayer(context)


async def _operations(config: Config, db: Database,
                      stack: AsyncExitStack) -> Operations | None:
    """The metrics and health listener when `[metrics] listen` is set, else None.

    Imported only then: with metrics off, `run` loads neither prometheus_client nor the
    listener (start-up time of `run --once`).
    """
    if config.metrics.listen is None:
        return None
    from prometheus_client import CollectorRegistry

    from bot.app.listener import serving

    return await stack.enter_async_context(serving(config, db, CollectorRegistry(), _now))


def _ticks(config: Config, digester: Digester, housekeeping: Housekeeping) -> list[Tick]:
    from bot.app.scheduler import Tick

    schedule = config.schedule
    return [Tick("digests", schedule.tick, digester.tick),
            Tick("housekeeping", max(schedule.tick, 60.0), housekeeping.tick)]


async def _start_platforms(config: Config, launch: Launch) -> dict[str, Messenger]:
    """Start each platform the config enables (the console when none is), serving the
    commands of `launch.layer()`; returns their messengers by platform name."""
    enabled = _enabled(config) or [(CONSOLE, None)]
    return {platform.name: await platform.start(replace(launch, section=section))
            for platform, section in enabled}
