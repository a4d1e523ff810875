"""/import and /export through the command layer: /subscribe's rules apply to each URL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.errors import BadArgument
from bot.core.model import ChatRef
from bot.core.opml import MAX_BYTES, read_opml
from handlers.caller import Caller, Upload
from handlers.commands import CommandLayer
from handlers.context import Limits
from handlers.opml import Export, Import
from handlers.registry import parse_command
from storage import stories, subscriptions
from tests.fakes.feeds import rss_feed
from tests.handlers.conftest import GROUP, Commands, caller

CONSOLE = ChatRef("console", "console")


def opml_of(urls: list[str]) -> str:
    outlines = "".join(f'<outline type="rss" xmlUrl="{url}"/>' for url in urls)
    return f'<opml version="2.0"><body>{outlines}</body></opml>'


async def test_an_import_stops_at_the_chats_subscription_limit(
        commands: Commands, tmp_path: Path) -> None:
    urls = [commands.story(f"/live{n}", posts=1).url for n in range(3)]
    opml = tmp_path / "three.opml"
    opml.write_text(opml_of(urls))
    layer = CommandLayer(replace(commands.context, limits=Limits(subscriptions_per_chat=2)))

    reply = await layer.run_text(caller(chat=CONSOLE, kind="private"), f"/import {opml}")

    assert reply is not None
    assert reply.text.startswith("Imported: 2 followed, 0 already followed, 1 refused: ")
    assert "the most allowed" in reply.text
    chat = await commands.chat(CONSOLE)
    assert chat is not None
    assert len(await subscriptions.for_chat(commands.db, chat.id)) == 2


async def test_a_telegram_chat_cannot_make_the_bot_read_a_path(
        commands: Commands, tmp_path: Path) -> None:
    """/import PATH outside the console reads nothing: files come with the command there."""
    opml = tmp_path / "one.opml"
    opml.write_text(opml_of([commands.story(posts=1).url]))

    reply = await commands.run(f"/import {opml}")

    assert reply.text.startswith("/import reads a file sent with it here, not a path")
    assert await commands.chat() is None


async def test_import_without_a_file_says_how_to_send_one(commands: Commands) -> None:
    """/import alone, with nothing attached, is told how to send the file."""
    reply = await commands.run("/import")

    assert "send the file with the caption /import" in reply.text
    assert await commands.chat() is None


async def test_export_is_an_opml_file_of_the_chats_stories(commands: Commands) -> None:
    """/export in a chat answers with a file, captioned, whose OPML lists its stories."""
    url = commands.story(posts=1).url
    assert (await commands.run(f"/subscribe {url}")).text.startswith("Following")

    reply = await commands.run("/export", caller(admin=False))

    assert reply.attachment is not None
    assert reply.attachment.filename == "storywatch-telegram-1001.opml"
    assert read_opml(reply.attachment.data) == [url]
    assert reply.text.startswith("This chat's 1 subscription as OPML 2.0")


async def test_an_attached_export_imports_into_another_chat(commands: Commands) -> None:
    """Export from one chat, the file sent with /import in another: the same stories."""
    urls = [commands.story(f"/live{n}", posts=1).url for n in range(2)]
    for url in urls:
        await commands.run(f"/subscribe {url}")
    exported = (await commands.run("/export")).attachment
    assert exported is not None
    other = ChatRef("telegram", "-1002")

    reply = await commands.run("/import", uploading(exported.data, chat=other))

    assert reply.text == "Imported: 2 followed, 0 already followed, 0 refused."
    assert await followed(commands, other) == await followed(commands, GROUP)


async def test_a_file_stated_too_big_is_refused_before_it_is_read(commands: Commands) -> None:
    """A file over 1 MiB by its stated size: one line, never downloaded, nothing followed."""
    reads: list[int] = []

    async def read(limit: int) -> bytes:
        reads.append(limit)
        return b""

    upload = Upload("big.opml", MAX_BYTES + 1, read)
    reply = await commands.layer.run_text(replace(caller(), upload=upload), "/import")

    assert reply is not None
    assert reply.text == "The file is over 1024 KiB, the most an import reads"
    assert reads == []
    assert await commands.chat() is None


async def test_a_file_larger_than_stated_is_refused(commands: Commands) -> None:
    """A file whose bytes pass the limit though its stated size did not: refused whole."""
    url = commands.story(posts=1).url
    big = opml_of([url]).encode() + b" " * MAX_BYTES

    reply = await commands.run("/import", uploading(big, size=100))

    assert reply.text.startswith("The file is over 1024 KiB")
    assert await commands.chat() is None


async def test_a_bad_attached_file_gets_one_line(commands: Commands) -> None:
    """An attached file that is not OPML: one line, nothing followed."""
    reply = await commands.run("/import", uploading(b"<html><body>hi</body></html>"))

    assert reply.text == "Not an OPML file: its root element is <html>, not <opml>"
    assert "\n" not in reply.text
    assert await commands.chat() is None


def uploading(data: bytes, chat: ChatRef = GROUP, size: int | None = None) -> Caller:
    """An admin in `chat` sending a command with `data` as its file."""
    async def read(limit: int) -> bytes:
        return data[:limit + 1]

    upload = Upload("feeds.opml", len(data) if size is None else size, read)
    return replace(caller(chat=chat), upload=upload)


async def followed(commands: Commands, ref: ChatRef) -> set[str]:
    chat = await commands.chat(ref)
    assert chat is not None
    return {story.url for s in await subscriptions.for_chat(commands.db, chat.id)
            if (story := await stories.get(commands.db, s.story_id)) is not None}


def test_import_takes_the_whole_path_and_export_nothing() -> None:
    assert parse_command("/import  ~/My Feeds/feeds.opml ") == Import("~/My Feeds/feeds.opml")
    assert parse_command("/import") == Import(None)
    assert parse_command("/export") == Export()
    with pytest.raises(BadArgument, match="takes no argument"):
        parse_command("/export now")


async def test_export_says_feed_or_page_as_the_check_read_it(commands: Commands) -> None:
    """A feed at a page-like URL is written as xmlUrl, a live page at a feed-like URL as
    htmlUrl: what each story's check found, not what its URL looks like."""
    feed_url = commands.web.set("/world/live-updates", rss_feed("World live",
                                                                  "https://example.org/w"),
                                "application/rss+xml")
    page_url = commands.story("/news/feed", posts=2).url
    for url in (feed_url, page_url):
        assert (await commands.run(f"/subscribe {url}")).text.startswith("Following")

    exported = (await commands.run("/export")).attachment

    assert exported is not None
    text = exported.data.decode()
    assert f'type="rss" xmlUrl="{feed_url}"' in text
    assert f'type="link" htmlUrl="{page_url}"' in text
