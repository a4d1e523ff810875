"""The command layer as `storywatch run` builds it, driven directly: a real database, the
real Poller and Watcher fetching stories from a loopback web server, and the fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.root import Pages, command_context, extract
from bot.app.service import Poller
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import Config, FetchConfig, StorageConfig
from bot.edges.fetch import HttpFetcher
from handlers.commands import Caller, CommandLayer, Reply
from handlers.context import Context
from storage import Database, chats
from storage.chats import Chat
from tests.fakes.clock import FakeClock
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

NOW = datetime(2024, 2, 3, 12, 0, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001")


def caller(admin: bool = True, chat: ChatRef = GROUP, user: str = "7",
           kind: str = "supergroup") -> Caller:
    """Someone in `chat`, an admin there or not."""
    async def is_admin() -> bool:
        return admin

    return Caller(chat, kind, user, is_admin)


@dataclass
class Commands:
    """The command layer and what it works on."""

    layer: CommandLayer
    context: Context
    db: Database
    clock: FakeClock
    web: WebServer
    poller: Poller

    async def run(self, text: str, who: Caller | None = None) -> Reply:
        """Run `text` (by an admin of the group unless `who` says otherwise); its reply."""
        reply = await self.layer.run_text(who or caller(), text)
        assert reply is not None
        return reply

    async def chat(self, ref: ChatRef = GROUP) -> Chat | None:
        return await chats.by_ref(self.db, ref)

    def story(self, path: str = "/live", posts: int = 4) -> LiveStory:
        """A live story on the web server with `posts` updates."""
        story = LiveStory(self.web, path, title="Storm live")
        for n in range(1, posts + 1):
            story.post(f"Update number {n} says the storm reached town {n}.", f"Headline {n}")
        return story


@pytest.fixture
async def commands(tmp_path: Path, web_server: WebServer) -> AsyncIterator[Commands]:
    async with command_layer(tmp_path, web_server, ["127.0.0.0/8"]) as built:
        yield built


@asynccontextmanager
async def command_layer(tmp_path: Path, web_server: WebServer,
                        networks: list[str]) -> AsyncIterator[Commands]:
    """The command layer on a fresh database, its fetcher open to `networks` only."""
    config = Config(storage=StorageConfig(path=tmp_path / "storywatch.db"),
                    fetch=FetchConfig(allow_networks=networks))
    clock = FakeClock(NOW)
    async with (Database.open(config.storage.path) as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), clock)
        poller = Poller(db, watcher, concurrency=4, per_host=4, clock=clock,
                        checked=lambda: None)
        context = command_context(config, db, poller, clock, pages=Pages(fetcher, config))
        try:
            yield Commands(CommandLayer(context), context, db, clock, web_server, poller)
        finally:
            await context.later.aclose()
            await poller.aclose()
