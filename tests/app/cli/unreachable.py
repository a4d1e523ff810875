"""`storywatch run` stopped (SIGTERM) while the Telegram Bot API it started with has become
unreachable: silent (a port that accepts and never answers) or refusing connections; or,
for comparison, while it still answers.

Shared by tests/app/cli/test_stop.py (the outcome) and bench/stop.py (the seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from bot.core.model import ChatRef, Notice
from storage import Database, chats, outbox
from storage.outbox import NewDelivery
from tests.app.cli.runner import cli_env, start
from tests.fakes.telegram_api import TelegramApiServer

Mode = Literal["silent", "refusing", "answering"]
USER = "4242"


@dataclass(frozen=True, slots=True)
class Stopped:
    """How a stop went: seconds from SIGTERM to exit, the exit status, the alerts left."""

    seconds: float
    status: int
    pending: int
    stderr: str


class BlackHole:
    """A TCP port that accepts connections, reads what is sent and never answers."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received = bytearray()
        self.arrived = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> BlackHole:
        self._server = await asyncio.start_server(self._swallow, "127.0.0.1", self.port,
                                                  reuse_address=True)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                self.received += chunk
                self.arrived.set()
        writer.close()


async def queue_alerts(db_path: Path, count: int) -> int:
    """Queue `count` notices for the Telegram chat USER; returns the chat's row id."""
    now = datetime.now(UTC)
    async with Database.open(db_path) as db, db.write() as tx:
        chat = await chats.ensure(tx, ChatRef("telegram", USER), now=now)
        await outbox.enqueue(tx, [NewDelivery(chat.id, "notice", Notice(f"alert {n}"), now)
                                  for n in range(count)], now=now)
    return chat.id


async def pending(db_path: Path, chat_id: int) -> int:
    """How many of the chat's deliveries are still pending."""
    async with Database.open(db_path) as db:
        return len(await outbox.list_for_chat(db, chat_id, "pending"))


async def stop_while_unreachable(folder: Path, mode: Mode, *, alerts: int = 3,
                                 within: float = 60.0) -> Stopped:
    """Start `run` against a fake Bot API, make the API unreachable (unless `answering`),
    queue `alerts`, wait until the bot is trying to send them (has sent them), SIGTERM it;
    returns how the stop went."""
    db_path = folder / "storywatch.db"
    async with contextlib.AsyncExitStack() as stack:
        fake = await stack.enter_async_context(TelegramApiServer())
        env = cli_env(folder, STORYWATCH_TELEGRAM__TOKEN=fake.token,
                      STORYWATCH_TELEGRAM__BASE_URL=fake.base_url)
        process = await start("run", env=env)
        await fake.wait_for_call("getUpdates", timeout=within)
        if mode != "answering":
            await fake.__aexit__(None, None, None)  # from now on the port refuses
        hole = await stack.enter_async_context(BlackHole(fake.port)) if mode == "silent" else None
        chat_id = await queue_alerts(db_path, alerts)
        if mode == "answering":
            await fake.wait_for(lambda calls: len(fake.calls_to("sendMessage")) >= alerts,
                                within)
        else:
            await _sending(db_path, chat_id, hole, within)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), within)
        finally:
            if process.returncode is None:
                process.kill()
        seconds = time.monotonic() - started
    assert process.returncode is not None
    return Stopped(seconds, process.returncode, await pending(db_path, chat_id),
                   stderr.decode())


async def _sending(db_path: Path, chat_id: int, hole: BlackHole | None, within: float) -> None:
    """Wait until a sendMessage is on the wire (silent) or one has failed (refusing)."""
    async with asyncio.timeout(within):
        if hole is not None:
            while b"sendMessage" not in hole.received:
                hole.arrived.clear()
                await hole.arrived.wait()
            return
        # The outbox has no change event: poll it briefly within the bound.
        while True:
            async with Database.open(db_path) as db:
                tried = [d for d in await outbox.list_for_chat(db, chat_id) if d.error]
            if tried:
                return
            await asyncio.sleep(0.05)
