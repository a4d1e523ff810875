"""The real `storywatch run` against the fake Bot API and a live story on loopback, with
chats and subscriptions written straight into its database, killed and started again at will.

What a test asserts on is what reached the fake: `delivered` maps each chat to the texts of
the messages it accepted, in order. The database is SQLite or PostgreSQL (`DATABASE`, set per
test by this folder's conftest): every test here runs on both.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bot.core.model import ChatRef
from bot.edges.urls import normalize_url
from storage import Database, chats, stories, subscriptions
from storage.postgres import numbered
from tests.app.cli.runner import cli_env, start
from tests.fakes.stories import LiveStory
from tests.fakes.telegram_api import TelegramApiServer

WAIT = 20.0
DATABASE: str | None = None
"""A PostgreSQL URL the next rig runs on; None: a SQLite file in the test's folder."""
FAST = {
    "STORYWATCH_TELEGRAM__POLL_TIMEOUT": "1",
    "STORYWATCH_TELEGRAM__RATE_PER_SECOND": "200",
    "STORYWATCH_TELEGRAM__CHAT_RATE_PER_SECOND": "100",
    "STORYWATCH_TELEGRAM__GROUP_RATE_PER_MINUTE": "6000",
    "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
    "STORYWATCH_SCHEDULE__INTERVAL": "0.2",
    "STORYWATCH_SCHEDULE__MIN_INTERVAL": "0.2",
    "STORYWATCH_SCHEDULE__MAX_INTERVAL": "0.4",
    "STORYWATCH_SCHEDULE__TICK": "0.1",
    "STORYWATCH_LIMITS__DIGEST_FLOOR": "1",  # digests every few seconds
    "STORYWATCH_DELIVERY__RETRY_BASE": "0.1",
    "STORYWATCH_DELIVERY__RETRY_MAX": "0.3",
    # On PostgreSQL: a killed run's story leases and chat claims run out within a second.
    "STORYWATCH_STORAGE__LEASE": "1",
    "STORYWATCH_STORAGE__FAILOVER": "1",
}


@dataclass
class Run:
    """One `storywatch run` process; its stderr is drained as it comes."""

    process: asyncio.subprocess.Process
    probed: int = 0
    errors: asyncio.Task[bytes] = field(init=False)

    def __post_init__(self) -> None:
        assert self.process.stderr is not None
        self.errors = asyncio.ensure_future(self.process.stderr.read())

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await self.errors

    async def stop(self) -> str:
        """SIGTERM; asserts a clean exit and returns stderr."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(WAIT):
            status = await self.process.wait()
            errors = (await self.errors).decode()
        assert status == 0, errors
        return errors


@dataclass
class Rig:
    """A fake Telegram, a live story and a database seeded with subscribed chats."""

    fake: TelegramApiServer
    story: LiveStory
    database: Path | str
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)

    async def start(self, *args: str, probe: Callable[[], int] = lambda: 0) -> Run:
        """Start `storywatch run ARGS...`; returns once it polls Telegram for updates.

        `probe` is called when the new process first calls the API, before it can send
        anything: by then the fake has taken whatever a killed process left on the wire.
        """
        met, polls = len(self.fake.calls_to("getMe")), len(self.fake.calls_to("getUpdates"))
        await self.launch(*args)
        await self.fake.wait_for(lambda _: len(self.fake.calls_to("getMe")) > met, WAIT)
        run = self.runs[-1]
        run.probed = probe()
        await self.fake.wait_for(lambda _: len(self.fake.calls_to("getUpdates")) > polls, WAIT)
        return run

    async def launch(self, *args: str) -> Run:
        """Start `storywatch run ARGS...` (a role, say) and return at once."""
        self.runs.append(Run(await start("run", *args, env=self.env)))
        return self.runs[-1]

    async def subscribe(self, chat_ids: Iterable[int], *, images_off: Iterable[int] = (),
                        **settings: object) -> None:
        """Subscribe these Telegram chats to the story, straight in the database; the chats
        `images_off` said /images off."""
        now, text_only = datetime.now(UTC), set(images_off)
        async with Database.open(self.database) as db, db.write() as tx:
            story = await stories.add(tx, normalize_url(self.story.url), now=now, interval=0.2)
            for chat_id in chat_ids:
                kind = "private" if chat_id > 0 else "supergroup"
                chat = await chats.ensure(tx, ChatRef("telegram", str(chat_id)), now=now,
                                          kind=kind)
                await subscriptions.subscribe(tx, chat.id, story.id, now=now)
                if "edits" in settings:
                    await chats.set_edits(tx, chat.id, bool(settings["edits"]))
                if chat_id in text_only:
                    await chats.set_images(tx, chat.id, False)

    async def baseline(self) -> None:
        """Wait until the story's first check (the baseline) is done."""
        await self.story.server.wait_hits(self.story.path, 2, within=WAIT)

    def delivered(self) -> dict[int, list[str]]:
        """Each chat's accepted alert texts (HTML messages, or a photo's caption), in the order
        the fake took them."""
        texts: defaultdict[int, list[str]] = defaultdict(list)
        for (chat, _), message in sorted(self.fake.messages.items(), key=lambda m: m[0][1]):
            texts[int(chat)].append(message.get("text", message.get("caption", "")))
        return texts

    async def wait_delivered(self, count: int, containing: str = "") -> None:
        """Wait until `count` accepted messages contain `containing`."""
        await self.fake.wait_for(lambda _: self.accepted(containing) >= count, WAIT)

    def accepted(self, containing: str) -> int:
        """How many messages containing `containing` the fake accepted, however many times."""
        return sum(containing in text for texts in self.delivered().values() for text in texts)

    def outbox(self, state: str, containing: str = "") -> int:
        """How many deliveries the database holds in `state`, of entries whose text contains
        `containing` when given (read-only)."""
        [(count,)] = self.query(
            "SELECT COUNT(*) FROM deliveries d LEFT JOIN entries e ON e.id = d.entry_id"
            " WHERE d.state = ? AND (? = '' OR e.text LIKE '%' || ? || '%')",
            (state, containing, containing))
        return int(count)

    def outbox_retried(self, containing: str) -> int:
        """Sent deliveries (of entries containing `containing`) that took more than one try."""
        [(count,)] = self.query(
            "SELECT COUNT(*) FROM deliveries d JOIN entries e ON e.id = d.entry_id"
            " WHERE d.state = 'sent' AND d.attempts > 1 AND e.text LIKE '%' || ? || '%'",
            (containing,))
        return int(count)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of a read-only query (`?` placeholders) of the bot's database, at once:
        predicates call it between the fake's events."""
        if isinstance(self.database, Path):
            with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as connection:
                return connection.execute(sql, params).fetchall()
        return _in_thread(self.database, numbered(sql), params)


def _in_thread(url: str, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    """A PostgreSQL query run to completion on a thread of its own: the caller is a plain
    function called inside the test's running event loop."""
    rows: list[tuple[Any, ...]] = []

    async def fetch() -> None:
        connection = await asyncpg.connect(url)
        try:
            rows.extend(tuple(row) for row in await connection.fetch(sql, *params))
        finally:
            await connection.close()

    thread = threading.Thread(target=asyncio.run, args=(fetch(),))
    thread.start()
    thread.join(WAIT)
    return rows


@asynccontextmanager
async def rig(tmp_path: Path, web: object, **env: str) -> AsyncIterator[Rig]:
    """A `Rig` on the `web_server` fixture's server; extra STORYWATCH_* settings in `env`."""
    database: Path | str = DATABASE or tmp_path / "storywatch.db"
    if DATABASE is not None:
        env = {"STORYWATCH_STORAGE__URL": DATABASE, **env}
    async with TelegramApiServer() as fake:
        environment = cli_env(tmp_path, STORYWATCH_TELEGRAM__TOKEN=fake.token,
                              STORYWATCH_TELEGRAM__BASE_URL=fake.base_url, **{**FAST, **env})
        story = LiveStory(web)  # type: ignore[arg-type]
        story.post("The first update, before anyone subscribed.")
        bot = Rig(fake, story, database, environment)
        try:
            yield bot
        finally:
            # A test that failed midway must not leave a bot running past it.
            for run in bot.runs:
                if run.process.returncode is None:
                    await run.kill()
