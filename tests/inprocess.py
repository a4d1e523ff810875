"""The service's parts assembled in-process, for behaviour that takes hours or a daylight-saving
change: a real database, the real Watcher, Poller, Digester, Housekeeping and Dispatcher, the
real HTTP fetcher on a loopback story and the real Telegram messenger on the fake Bot API.
Only the clock is the test's: it jumps instead of the test sleeping."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from bot.app.digester import Digester
from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.app.housekeeping import Housekeeping
from bot.app.service import Poller
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import FetchConfig, TelegramConfig
from bot.edges.extraction_pool import extract_with
from bot.edges.fetch import HttpFetcher
from bot.platforms.telegram.messenger import TelegramMessenger, build_application
from handlers.commands import Caller, CommandLayer
from handlers.context import Context
from storage import Database, stories
from storage.stories import Story
from tests.fakes.clock import FakeClock
from tests.fakes.stories import LiveStory
from tests.fakes.telegram_api import TelegramApiServer
from tests.fakes.web import WebServer

POLICY = WatchPolicy(interval=60, min_interval=30, max_interval=600, burst_limit=5,
                     max_chars=300)


@dataclass
class Service:
    """The running parts, driven tick by tick."""

    db: Database
    clock: FakeClock
    fake: TelegramApiServer
    story: LiveStory
    layer: CommandLayer
    poller: Poller
    digester: Digester
    housekeeping: Housekeeping
    dispatcher: Dispatcher

    async def command(self, chat: int, text: str) -> str:
        """`text` typed by the user of private chat `chat` (an admin there); the reply."""
        caller = Caller(ChatRef("telegram", str(chat)), "private", str(chat), _admin)
        reply = await self.layer.run_text(caller, text)
        assert reply is not None
        return reply.text

    async def poll(self) -> None:
        """One poll tick, its checks run to the end."""
        await self.poller.tick()
        await self.poller.idle()

    async def tracked(self) -> Story:
        """The story as storage holds it."""
        story = await stories.by_url(self.db, self.story.url)
        assert story is not None
        return story

    def alerts(self, chat: int) -> list[str]:
        """The plain text of every message the chat accepted that a command did not answer
        (alerts, digests, notices), in order."""
        return [message["text"] for (chat_id, _), message in sorted(
                    self.fake.messages.items(), key=lambda item: item[0][1])
                if chat_id == str(chat)]


async def _admin() -> bool:
    return True


@asynccontextmanager
async def service(tmp_path: Path, web: WebServer, now: datetime, *, retire_after: float = 3600,
                  max_failures: int = 3) -> AsyncIterator[Service]:
    """The assembled service at `now`, with a live story of two updates on `web`."""
    clock = FakeClock(now)
    story = LiveStory(web)
    story.post("The first update, before anyone subscribed.")
    story.post("The second update, before anyone subscribed.")
    fetch = FetchConfig(allow_networks=["127.0.0.0/8"])
    async with (TelegramApiServer() as fake, Database.open(tmp_path / "s.db") as db,
                HttpFetcher(fetch) as fetcher):
        telegram = TelegramConfig(token=SecretStr(fake.token), base_url=fake.base_url)
        async with build_application(telegram) as application:
            watcher = Watcher(db, fetcher, functools.partial(extract_with, ()),
                              ExtractiveSummarizer(), POLICY, clock)
            messenger = TelegramMessenger(application.bot)
            yield Service(
                db, clock, fake, story,
                CommandLayer(Context(db, watcher, clock, interval=POLICY.interval)),
                Poller(db, watcher, concurrency=4, per_host=4, clock=clock, checked=_nothing),
                Digester(db, clock, default_timezone="UTC", max_chars=300, released=_nothing),
                Housekeeping(db, clock, retire_after=retire_after, max_failures=max_failures,
                             notified=_nothing),
                Dispatcher(db, {"telegram": messenger}, DispatchPolicy(rescan=0.05), clock),
            )


def _nothing() -> None:
    """A wake-up call nobody needs: the test drains the outbox itself."""
