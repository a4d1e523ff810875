"""/import and /export through the command layer: /subscribe's rules apply to each URL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.errors import BadArgument
from bot.core.model import ChatRef
from handlers.commands import CommandLayer
from handlers.context import Limits
from handlers.opml import Export, Import
from handlers.registry import parse_command
from storage import subscriptions
from tests.handlers.conftest import Commands, caller

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
    opml = tmp_path / "one.opml"
    opml.write_text(opml_of([commands.story(posts=1).url]))

    reply = await commands.run(f"/import {opml}")

    assert "storywatch opml import FILE --chat telegram:-1001" in reply.text
    assert await commands.chat() is None


async def test_export_elsewhere_than_the_console_points_to_the_command_line(
        commands: Commands) -> None:
    reply = await commands.run("/export", caller(admin=False))

    assert "storywatch opml export --chat telegram:-1001" in reply.text


def test_import_takes_the_whole_path_and_export_nothing() -> None:
    assert parse_command("/import  ~/My Feeds/feeds.opml ") == Import("~/My Feeds/feeds.opml")
    assert parse_command("/export") == Export()
    with pytest.raises(BadArgument, match=r"example: /import feeds\.opml"):
        parse_command("/import")
    with pytest.raises(BadArgument, match="takes no argument"):
        parse_command("/export now")
