"""The composition root: builds the parts each command needs and runs them.

Start-up is kept light for `run --once` from cron: the HTTP client, the
extractor, the scheduler, the command layer and the platform libraries are
imported where a command first needs them, not here (tests/app/cli/test_cold_start.py).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import sqlite3
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.app.digester import Digester
from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.app.housekeeping import Housekeeping
from bot.app.leases import Lease, process_owner
from bot.app.service import DeliveryLoop, Poller
from bot.app.status import InstanceStatus, instance_status
from bot.app.summaries import summaries_from_config, summary_budget
from bot.app.telemetry import SILENT, Events
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.errors import BadArgument, BadUrl, NoUpdates, StorageError, StorywatchError
from bot.core.filters import parse_words
from bot.core.model import ChatRef, Fetched, Page, Recipe
from bot.core.ports import Messenger, Summarizer
from bot.edges.config import Config
from bot.edges.extraction_pool import extract_with, extraction_pool
from bot.edges.lazy_fetch import LazyFetcher
from bot.edges.urls import normalize_url
from bot.platforms.console.messenger import ConsoleMessenger
from storage import Database, chats, filters, stories, subscriptions
from storage.copy import copy_instance
from storage.db import Lock, is_postgres
from storage.outbox import OUTBOX_CHANNEL

if TYPE_CHECKING:
    from bot.app.listener import Operations
    from bot.app.scheduler import Tick
    from bot.core.extract import Explained
    from bot.edges.fetch import HttpFetcher
    from handlers.commands import CommandLayer


async def check(target: str, config: Config) -> Page:
    """Fetch a URL, or read a file, and extract its entries once.

    Raises FetchError subclasses for what cannot be fetched or read, and
    NoUpdates when the document holds no timestamped updates.
    """
    page = extract(await _fetch_once(target, config), config)
    if not page.entries:
        raise NoUpdates(f"no timestamped updates found in {target}")
    return page


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
    if "://" not in target and not target.startswith("www."):
        raise BadUrl(f"no such file, and not an http(s) URL: {target}")
    return normalize_url(target if "://" in target else f"https://{target}")


# --- watch and demo: one story polled in a loop, alerts printed to the console ---


async def watch(url: str, config: Config, *, every: float | None = None,
                include: Sequence[str] = (), exclude: Sequence[str] = (),
                as_json: bool = False, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
    """Watch one story and print each new update to `out`, until cancelled.

    The console chat's subscription gets `include`/`exclude` (each one word or
    phrase), replacing any it had. Raises BadUrl, BadArgument for a filter
    word, and StorywatchError when a story never checked before fails its first check.
    """
    from bot.edges.fetch import HttpFetcher

    target = normalize_url(url)
    words = (_filter_words(include), _filter_words(exclude))
    async with (_database(config) as db,
                HttpFetcher(config.fetch) as fetcher,
                AsyncExitStack() as stack):
        story_id = await _console_subscription(db, target, config, every, *words)
        summarizer = await summaries_from_config(config, stack, _now)
        await _poll(db, fetcher, config, ConsoleMessenger(out, as_json=as_json), story_id,
                    summarizer, err=err)


async def demo(config: Config, *, updates: int | None = None, reveal_every: float = 5.0,
               out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
    """Serve the bundled story on loopback and watch it with a temporary database.

    Returns after `updates` alerts (never when None: until cancelled).
    """
    from bot.app.demo import DemoServer, load_story
    from bot.edges.fetch import HttpFetcher

    with tempfile.TemporaryDirectory(prefix="storywatch-demo-") as folder:
        config = config.model_copy(update={
            "storage": config.storage.model_copy(update={"path": Path(folder) / "demo.db",
                                                         "url": None}),
            # The demo's own server is on loopback, which stories may otherwise not use.
            "fetch": config.fetch.model_copy(update={"allow_private_networks": True}),
        })
        messenger = ConsoleMessenger(out)
        async with (DemoServer(load_story(), reveal_every=reveal_every) as server,
                    _database(config) as db,
                    HttpFetcher(config.fetch) as fetcher,
                    AsyncExitStack() as stack):
            err.write(f"storywatch demo: watching {server.url}, a new update every "
                      f"{reveal_every:g} s; Ctrl-C stops\n")
            err.flush()
            every = max(reveal_every / 4, 0.05)
            story_id = await _console_subscription(db, server.url, config, every, (), ())
            await _poll(db, fetcher, config, messenger, story_id,
                        await summaries_from_config(config, stack, _now), err=err,
                        done=lambda: updates is not None and messenger.sent >= updates)


async def _console_subscription(db: Database, url: str, config: Config, every: float | None,
                                include: Sequence[str], exclude: Sequence[str]) -> int:
    """Subscribe the console chat of this story with these filters; returns the story id."""
    now = _now()
    async with db.write() as tx:
        story = await stories.add(tx, url, now=now, interval=every or config.schedule.interval)
        await stories.set_schedule(tx, story.id, interval=every or story.interval,
                                   fixed=every is not None, next_check_at=now)
        # A console chat per story: the filters of one `watch` don't leak into another's.
        chat = await chats.ensure(tx, ChatRef("console", "watch", str(story.id)), now=now,
                                  edits=False)
        subscription = await subscriptions.subscribe(tx, chat.id, story.id, now=now)
        await filters.clear(tx, chat.id, subscription.id)
        await filters.add(tx, chat.id, subscription.id, "include", include, now=now)
        await filters.add(tx, chat.id, subscription.id, "exclude", exclude, now=now)
    return story.id


async def _poll(db: Database, fetcher: HttpFetcher, config: Config, messenger: ConsoleMessenger,
                story_id: int, summarizer: Summarizer, *, err: TextIO,
                done: Callable[[], bool] = lambda: False) -> None:
    """Check the story whenever it is due and send what it found, until `done()`."""
    watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                      summarizer, WatchPolicy.from_config(config), _now)
    dispatcher = Dispatcher(db, {messenger.platform: messenger},
                            DispatchPolicy.from_config(config), _now)
    first = True
    while True:
        result = await watcher.check(story_id)
        if result.outcome == "failed":
            story = await stories.get(db, story_id)
            if first and story is not None and not story.baseline_done:
                raise StorywatchError(f"cannot watch {story.url}: {result.error}")
            err.write(f"storywatch: check failed, retrying: {result.error}\n")
            err.flush()
        first = False
        await dispatcher.drain()
        if done():
            return
        await asyncio.sleep(max((result.next_check_at - _now()).total_seconds(), 0.0))


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
    """Copy the database to `destination` consistently. Raises StorageError."""
    async with _database(config) as db:
        try:
            await db.backup(destination)
        except sqlite3.Error as error:
            raise StorageError(f"cannot back up to {destination}: {error}") from None


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
        watcher = Watcher(db, fetcher, functools.partial(extract_with, recipes(config)),
                          await summaries_from_config(config, stack, _now, events, db),
                          WatchPolicy.from_config(config), _now,
                          pool=pool, events=events)
        shared = db.dialect == "postgresql"
        owner = process_owner()
        checked = _Relay()
        poller = Poller(db, watcher, concurrency=config.fetch.concurrency,
                        per_host=config.fetch.per_host, clock=_now, checked=checked,
                        lease=Lease(owner, config.storage.lease) if shared else None)
        if role != "sender":
            stack.push_async_callback(poller.aclose)
        if once:
            sender = await _sender(config, db, watcher, stack, out, claim=None, events=events)
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
        part = _Part(config, db, watcher, operations, events)
        try:
            async with asyncio.TaskGroup() as jobs:
                if role != "sender":
                    jobs.create_task(_check(part, poller, started))
                if role != "checker":
                    jobs.create_task(_send(part, checked, stdin, out, claim, started))
        except* StorywatchError as failed:
            raise failed.exceptions[0] from None


@dataclass(frozen=True, slots=True)
class _Part:
    """What the checking and the sending part of a run share."""

    config: Config
    db: Database
    watcher: Watcher
    operations: Operations | None
    events: Events


def _watched(part: _Part, ticks: list[Tick]) -> list[Tick]:
    return ticks if part.operations is None else part.operations.watched(ticks)


async def _check(part: _Part, poller: Poller, started: asyncio.Event) -> None:
    """The checking part: the poll tick, from `started` until cancelled."""
    from bot.app.scheduler import Scheduler, Tick

    await started.wait()
    async with Scheduler(_watched(part, [Tick("poll", part.config.schedule.tick, poller.tick)])):
        await asyncio.Event().wait()


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

    layer: Callable[[], CommandLayer]
    messengers: dict[str, Messenger]
    dispatcher: Dispatcher
    deliveries: DeliveryLoop
    digester: Digester
    housekeeping: Housekeeping
    console: bool


async def _sender(config: Config, db: Database, watcher: Watcher, stack: AsyncExitStack,
                  out: TextIO, claim: Lease | None, events: Events) -> _Sender:
    """Start the platforms (the console without a token) and build what sends."""
    # Made once, when a platform or the console first serves commands (never by a
    # plain --once): every platform shares its command throttle.
    layer = functools.cache(functools.partial(_command_layer, config, db, watcher))
    messengers = await _start_platforms(config, layer, db, stack)
    console = not messengers
    if console:
        messengers["console"] = ConsoleMessenger(out)
    dispatcher = Dispatcher(db, messengers, DispatchPolicy.from_config(config), _now, claim,
                            events=events)
    deliveries = DeliveryLoop(dispatcher, idle=config.schedule.tick)
    digester = Digester(db, _now, default_timezone=config.bot.default_timezone,
                        max_chars=config.summary.max_chars, released=deliveries.wake,
                        summarizer=watcher.summarizer, summary_budget=summary_budget(config))
    housekeeping = Housekeeping(db, _now, retire_after=config.schedule.retire_after,
                                max_failures=config.schedule.max_failures,
                                notified=deliveries.wake)
    return _Sender(layer, messengers, dispatcher, deliveries, digester, housekeeping, console)


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
        sender = await _sender(config, db, part.watcher, stack, out, claim, part.events)
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
            if sender.console:
                jobs.create_task(_console_then_wait(sender.layer(), stdin, out))


def _platform_locks(config: Config) -> list[str]:
    """The locks a sender must hold: one per platform token (named by its hash, never the
    token itself), in one order for every process so two never hold one each."""
    tokens = [(name, token) for name, token in
              (("telegram", config.telegram.token), ("discord", config.discord.token))
              if token is not None]
    if not tokens:
        return ["sender:console"]
    return sorted(f"sender:{name}:{hashlib.sha256(token.get_secret_value().encode()).hexdigest()}"
                  for name, token in tokens)


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


def _command_layer(config: Config, db: Database, watcher: Watcher) -> CommandLayer:
    """The chat commands' layer, for the platforms and the console that serve commands."""
    from handlers.commands import CommandLayer
    from handlers.context import Context

    return CommandLayer(Context.from_config(config, db, watcher, _now))


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


async def _start_platforms(config: Config, layer: Callable[[], CommandLayer], db: Database,
                           stack: AsyncExitStack) -> dict[str, Messenger]:
    """Start Telegram and Discord when their tokens are set, serving the commands of
    `layer()`; returns their messengers."""
    messengers: dict[str, Messenger] = {}
    if config.telegram.token is not None:
        from bot.platforms.telegram import bindings as telegram_bindings
        from bot.platforms.telegram import messenger as telegram_app

        polling = telegram_app.PollWatch()
        application = telegram_app.build_application(config.telegram, polling)
        telegram_bindings.install(application, layer(), db, config.telegram, _now)
        await stack.enter_async_context(telegram_app.running(application, config.telegram))
        messengers["telegram"] = telegram_app.TelegramMessenger(application.bot, polling)
    if config.discord.token is not None:
        from bot.platforms.discord import bindings as discord_bindings
        from bot.platforms.discord import messenger as discord_app

        client = discord_app.build_client(config.discord)
        discord_bindings.install(client, layer(), db)
        await stack.enter_async_context(discord_app.running(client, config.discord))
        messengers["discord"] = discord_app.DiscordMessenger(client)
    return messengers


async def _console_then_wait(layer: CommandLayer, stdin: TextIO, out: TextIO) -> None:
    """Serve console commands; at the end of input keep running (alerts still come)."""
    from bot.platforms.console.bindings import serve_console

    await serve_console(layer, stdin, out)
    await asyncio.Event().wait()
