"""A notice carrying a file (an /export sent through the outbox) as a Discord attachment."""

from __future__ import annotations

from bot.core.model import Attachment, Notice
from bot.platforms.discord.messenger import DiscordMessenger
from storage import payloads
from tests.fakes.discord_api import FakeDiscord
from tests.platforms.discord.test_messenger import CHAT, MESSAGES, client, fake, messenger

__all__ = ["client", "fake", "messenger"]  # the fixtures of test_messenger, used here too
EXPORT = Notice("This chat's 2 subscriptions as OPML 2.0 @everyone",
                attachment=Attachment("storywatch-discord-1.opml", b"<opml>\xc3\xa9</opml>"))


async def test_a_file_notice_from_the_outbox_is_posted_with_its_file(
        fake: FakeDiscord, messenger: DiscordMessenger) -> None:
    """Stored as an outbox payload and read back, the notice is one message: its text,
    mentioning no one, with the file attached; sent twice under one key, posted once."""
    queued = payloads.decode(payloads.encode(EXPORT))

    first = await messenger.send(CHAT, queued, key="7")
    again = await messenger.send(CHAT, queued, key="7")

    [post, *_] = [c for c in fake.calls if c.method == "POST" and c.path == MESSAGES]
    assert post.json["allowed_mentions"] == {"parse": []}
    assert first == again
    [attachment] = fake.messages[first]["attachments"]
    assert attachment["filename"] == "storywatch-discord-1.opml"
    assert fake.file_of(attachment) == b"<opml>\xc3\xa9</opml>"
    assert fake.messages[first]["content"].startswith("This chat's 2 subscriptions")
