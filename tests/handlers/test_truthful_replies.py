"""Replies that report state show what the write committed, however many chats
send commands at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.app.root import command_context, extract
from bot.app.watcher import Watcher, WatchPolicy
from bot.core.model import ChatRef, CheckResult
from bot.core.summarize import ExtractiveSummarizer
from bot.edges.config import Config, FetchConfig
from bot.edges.fetch import HttpFetcher
from handlers.commands import Caller, CommandLayer
from storage import Database, outbox
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

CHATS = 30
WORDS = ("lighthouse", "harbour", "ferry", "tide", "pier")


class NoChecks:
    """No story is followed here: a check would be a bug of the test."""

    async def check(self, story_id: int) -> CheckResult:
        raise AssertionError(f"story {story_id} checked")


async def _admin() -> bool:
    return True


def _now() -> datetime:
    return datetime.now(UTC)


async def test_each_filter_reply_lists_the_words_just_added_under_load(tmp_path: Path) -> None:
    """30 chats each add five filter words, one command at a time, all chats at once: every
    reply lists every word the chat has added so far."""
    async with Database.open(tmp_path / "storywatch.db") as db:
        layer = CommandLayer(command_context(Config(), db, NoChecks(), _now))

        async def chat(number: int) -> list[str]:
            caller = Caller(ChatRef("discord", str(1000 + number)), "guild", str(number), _admin,
                            limited=False)
            replies = []
            for word in WORDS:
                reply = await layer.run_text(caller, f"/filter add {word}")
                assert reply is not None
                replies.append(reply.text)
            return replies

        every = await asyncio.gather(*(chat(number) for number in range(CHATS)))
    for replies in every:
        for count, reply in enumerate(replies, 1):
            assert all(word in reply for word in WORDS[:count]), reply


PAGES = 10


async def test_chats_subscribing_at_once_all_succeed_and_are_told_the_truth(
        tmp_path: Path, web_server: WebServer) -> None:
    """30 chats each subscribe to the same 10 pages, all at once, while the sender reads the
    outbox: every /subscribe succeeds and names the page by its title, and each chat's
    /list then shows all 10."""
    pages = [LiveStory(web_server, f"/live/{n}", f"Storm live {n}") for n in range(PAGES)]
    for page in pages:
        page.post("The storm reached the coast overnight.")
    config = Config(fetch=FetchConfig(allow_networks=["127.0.0.0/8"]))
    async with (Database.open(tmp_path / "storywatch.db") as db,
                HttpFetcher(config.fetch) as fetcher):
        watcher = Watcher(db, fetcher, lambda fetched: extract(fetched, config),
                          ExtractiveSummarizer(), WatchPolicy.from_config(config), _now)
        layer = CommandLayer(command_context(config, db, watcher, _now))

        async def chat(number: int) -> tuple[list[str], str]:
            caller = Caller(ChatRef("discord", str(2000 + number)), "guild", str(number), _admin,
                            limited=False)
            replies = [await _run(layer, caller, f"/subscribe {page.url}") for page in pages]
            return replies, await _run(layer, caller, "/list")

        done = asyncio.Event()

        async def sender() -> None:
            # What a running bot's sender does meanwhile: look at the outbox, again and again.
            while not done.is_set():
                await outbox.chats_with_due(db, _now())

        senders = [asyncio.create_task(sender()) for _ in range(8)]
        try:
            every = await asyncio.gather(*(chat(number) for number in range(CHATS)))
        finally:
            done.set()
            await asyncio.gather(*senders)
    for replies, listed in every:
        for page, reply in zip(pages, replies, strict=True):
            assert page.title in reply, reply
        assert all(page.title in listed for page in pages), listed


async def _run(layer: CommandLayer, caller: Caller, text: str) -> str:
    reply = await layer.run_text(caller, text)
    assert reply is not None
    return reply.text
