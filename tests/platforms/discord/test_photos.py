"""An update's picture on Discord: the real discord.py client posts it as the alert embed's
image to the fake Discord on loopback, keeps it on edits, and a digest stays without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.core.model import Alert, ChatRef, Digest, Entry, StoryRef
from bot.edges.config import DiscordConfig
from bot.platforms.discord.messenger import DiscordMessenger, build_client, running
from tests.fakes import discord_objects as objects
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_limits import message_errors

CHAT = ChatRef("discord", objects.CHANNEL_ID)
STORY = StoryRef("https://www.rt.com/news/591745-us-strikes/", "US unleashes strikes")
IMAGE = "https://cdn.rt.test/pics/strike.jpg"


def pictured(text: str = "US forces struck targets.", image: str | None = IMAGE,
             key: str = "k1") -> Alert:
    entry = Entry(key, datetime(2024, 2, 3, 14, 52, tzinfo=UTC), text, title="Strikes",
                  url=f"https://www.rt.com/news/591745/#{key}", image=image)
    return Alert(STORY, entry, text)


@pytest.fixture
async def messenger() -> AsyncIterator[tuple[FakeDiscord, DiscordMessenger]]:
    async with FakeDiscord(channel_ids=(objects.CHANNEL_ID,)) as fake:
        config = DiscordConfig(token=fake.token, api_base=fake.api_base,
                               gateway_url=fake.gateway_url)
        client = build_client(config, guild_ready_timeout=0.05)
        async with running(client, config, ready_timeout=5.0):
            yield fake, DiscordMessenger(client)


async def test_an_alert_with_a_picture_has_it_as_its_embeds_image(messenger) -> None:
    """The picture's URL is the embed's image, beside the alert's title and summary."""
    fake, discord_messenger = messenger
    message_id = await discord_messenger.send(CHAT, pictured())
    [embed] = fake.messages[message_id]["embeds"]
    assert embed["image"]["url"] == IMAGE
    assert embed["title"] == "Strikes" and "struck targets" in embed["description"]


async def test_an_edited_alert_keeps_its_picture(messenger) -> None:
    """A correction replaces the embed; the picture stays as its image."""
    fake, discord_messenger = messenger
    message_id = await discord_messenger.send(CHAT, pictured("Frist account."))
    await discord_messenger.edit(CHAT, message_id, pictured("First account."))
    [embed] = fake.messages[message_id]["embeds"]
    assert embed["image"]["url"] == IMAGE and embed["description"] == "First account."


async def test_no_picture_or_a_non_http_one_means_no_image(messenger) -> None:
    """No image, a javascript: one or one over 2048 characters (which Discord would refuse,
    and the whole alert with it), sends the plain embed."""
    fake, discord_messenger = messenger
    for image in (None, "javascript:alert(1)", IMAGE + "?" + "x" * 2048):
        message_id = await discord_messenger.send(CHAT, pictured(image=image))
        assert "image" not in fake.messages[message_id]["embeds"][0]


async def test_a_digest_stays_without_pictures(messenger) -> None:
    """A digest's embeds carry no images: one message of text, as on Telegram."""
    fake, discord_messenger = messenger
    message_id = await discord_messenger.send(
        CHAT, Digest((pictured(key="k1"), pictured(key="k2"))))
    assert all("image" not in embed for embed in fake.messages[message_id]["embeds"])


def test_the_fake_refuses_an_image_discord_would_refuse() -> None:
    """The fake's check (which these tests trust) refuses a non-http(s) embed image and one
    over 2048 characters."""
    def body(url: str) -> dict:
        return {"embeds": [{"title": "x", "image": {"url": url}}]}
    assert message_errors(body("javascript:alert(1)")) is not None
    assert message_errors(body(IMAGE + "?" + "x" * 2048)) is not None
    assert message_errors(body(IMAGE)) is None
