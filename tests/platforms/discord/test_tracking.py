"""/track and /subscribe N as Discord slash commands through the real discord.py client: the
options read as the text command's arguments, Manage Channels required to track."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.model import ChatRef
from storage import chats, tracks
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.web import WebServer
from tests.platforms.discord.test_bindings import (
    ADMIN,
    CHANNEL,
    Bot,
    command,
    live_page,
    option,
    started,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with FakeDiscord(channel_ids=(CHANNEL,)) as fake, started(fake, tmp_path) as running:
        yield running


async def test_track_with_its_words_option_needs_manage_channels(
        bot: Bot, web_server: WebServer) -> None:
    url = web_server.set("/world", '<html><body><a href="/live/a">Live: A</a></body></html>')
    refused = await command(bot.fake, "track", option("url", url), permissions=0)
    assert refused.ephemeral and "Only an admin" in refused.content
    done = await command(bot.fake, "track", option("url", url),
                         option("words", 'storm -"transfer news"'), permissions=ADMIN)
    assert done.deferred and done.content.startswith(
        f"Tracking {url} (number 1 under Tracking in /list): 1 live page linked there now")
    chat = await chats.by_ref(bot.db, ChatRef("discord", CHANNEL))
    assert chat is not None
    [track] = await tracks.for_chat(bot.db, chat.id)
    assert (track.include, track.exclude) == (("storm",), ("transfer news",))


async def test_subscribe_picks_from_the_list_a_front_page_gave(
        bot: Bot, web_server: WebServer) -> None:
    web_server.set("/live/a", live_page(title="Storm live"))
    front = web_server.set("/", '<html><body><a href="/live/a">Live: the storm</a></body></html>')
    offer = await command(bot.fake, "subscribe", option("url", front))
    assert "1. Live: the storm" in offer.content
    picked = await command(bot.fake, "subscribe", option("url", "1"))
    assert picked.content.startswith("Following “Storm live” (number 1 in /list)")
