"""The real discord.py client, wired by bot.discord_app, against the fake Discord on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.core.errors import (
    ChatGone,
    ConfigError,
    PlatformUnavailable,
    RateLimited,
    Rejected,
    Transient,
)
from bot.core.model import Alert, ChatRef, Digest, Entry, Notice, StoryRef
from bot.core.render.discord_embed import DiscordPayload, embed_size
from bot.edges.config import DiscordConfig
from bot.platforms.discord.messenger import (
    DiscordMessenger,
    StorywatchClient,
    build_client,
    running,
)
from storage import Database, chats, outbox
from storage.outbox import NewDelivery
from tests.fakes import discord_objects as objects
from tests.fakes.discord_api import Failure, FakeDiscord

CHANNEL = objects.CHANNEL_ID
THREAD = "1300000000000000099"
CHAT = ChatRef("discord", CHANNEL)
NOW = datetime(2024, 2, 3, 15, 0, tzinfo=UTC)
MESSAGES = f"/channels/{CHANNEL}/messages"
STORY = StoryRef("https://www.rt.com/news/591745-us-strikes/", "US unleashes strikes")


def alert(text: str = "US forces struck targets in Iraq. @everyone") -> Alert:
    entry = Entry(
        "k1",
        datetime(2024, 2, 3, 14, 52, tzinfo=UTC),
        text,
        title="Strikes",
        url="https://www.rt.com/news/591745/#u1",
    )
    return Alert(STORY, entry, text, ("Iraq",))


def config_for(fake: FakeDiscord, **overrides: object) -> DiscordConfig:
    return DiscordConfig(
        **{
            "token": fake.token,
            "api_base": fake.api_base,
            "gateway_url": fake.gateway_url,
            **overrides,
        }
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(channel_ids=(CHANNEL, THREAD)) as server:
        yield server


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[StorywatchClient]:
    config = config_for(fake)
    bot = build_client(config, guild_ready_timeout=0.05)
    async with running(bot, config, ready_timeout=5.0):
        yield bot


@pytest.fixture
def messenger(client: StorywatchClient) -> DiscordMessenger:
    return DiscordMessenger(client)


async def test_login_and_gateway_handshake_reach_ready(
    fake: FakeDiscord, client: StorywatchClient
) -> None:
    """Login calls /users/@me and the application, the gateway identifies, the client is ready."""
    assert client.is_ready()
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    identify = fake.gateway.ops(2)[0]["d"]
    assert identify["token"] == fake.token
    privileged = discord.Intents(members=True, presences=True, message_content=True).value
    assert identify["intents"] & privileged == 0
    assert client.get_guild(int(objects.GUILD_ID)) is not None


async def test_commands_are_synced_globally(fake: FakeDiscord, client: StorywatchClient) -> None:
    """Without a guild id the command tree is synced globally."""
    assert fake.calls_to("PUT", f"/applications/{objects.APP_ID}/commands")


async def test_commands_are_synced_to_the_configured_guild(fake: FakeDiscord) -> None:
    """With discord.guild_id the command tree is synced to that guild only."""
    config = config_for(fake, guild_id=int(objects.GUILD_ID))
    bot = build_client(config, guild_ready_timeout=0.05)
    async with running(bot, config, ready_timeout=5.0):
        path = f"/applications/{objects.APP_ID}/guilds/{objects.GUILD_ID}/commands"
        assert fake.calls_to("PUT", path)
        assert not fake.calls_to("PUT", f"/applications/{objects.APP_ID}/commands")


async def test_alert_is_posted_as_an_embed_without_mentions(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """An alert is one POST with one embed within limits and allowed_mentions parse []."""
    message_id = await messenger.send(CHAT, alert())
    post = await fake.wait_for(lambda c: c.method == "POST" and c.path == MESSAGES)
    assert post.json["allowed_mentions"] == {"parse": []}
    [embed] = post.json["embeds"]
    assert embed["title"] == "Strikes" and embed["url"] == "https://www.rt.com/news/591745/#u1"
    assert embed["footer"]["text"] == "US unleashes strikes"
    assert embed["timestamp"].startswith("2024-02-03T14:52:00")
    assert "@everyone" not in embed["description"]
    assert embed_size(embed) <= 6000
    assert fake.messages[message_id]["embeds"][0]["title"] == "Strikes"


async def test_thread_chat_posts_to_the_thread(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """A chat with a thread id posts to the thread, which is a channel on Discord."""
    await messenger.send(ChatRef("discord", CHANNEL, THREAD), Notice("hello"))
    post = await fake.wait_for(lambda c: c.method == "POST")
    assert post.path == f"/channels/{THREAD}/messages"
    assert post.json["content"] == "hello"


async def test_edit_patches_the_message(fake: FakeDiscord, messenger: DiscordMessenger) -> None:
    """An edit is a PATCH of that message with the new embed and no mentions."""
    message_id = await messenger.send(CHAT, alert())
    await messenger.edit(CHAT, message_id, alert("Corrected: strikes in Iraq and Syria."))
    patch = await fake.wait_for(lambda c: c.method == "PATCH")
    assert patch.path == f"{MESSAGES}/{message_id}"
    assert patch.json["allowed_mentions"] == {"parse": []}
    assert fake.messages[message_id]["embeds"][0]["description"].startswith("Corrected")


async def test_digest_goes_as_several_messages(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """A digest bigger than one message is split; send returns the first message's id."""
    message_id = await messenger.send(CHAT, Digest(tuple(alert() for _ in range(25))))
    posts = fake.calls_to("POST", MESSAGES)
    assert [len(p.json["embeds"]) for p in posts] == [10, 10, 5]
    assert posts[0].json["content"] == "Digest: 25 updates"
    assert fake.messages[message_id]["content"] == "Digest: 25 updates"


async def test_the_same_delivery_sent_twice_is_one_message(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """Each message carries a nonce of its delivery that Discord enforces: the delivery sent
    again (a retry, a restart after a crash mid-send) gets the message already made."""
    first = await messenger.send(CHAT, alert(), key="41")
    again = await messenger.send(CHAT, alert(), key="41")
    other = await messenger.send(CHAT, alert(), key="42")
    assert again == first and other != first
    assert sorted(fake.messages) == sorted({first, other})
    posts = fake.calls_to("POST", MESSAGES)
    assert [(p.json["nonce"], p.json["enforce_nonce"]) for p in posts] == [
        ("sw41.0", True), ("sw41.0", True), ("sw42.0", True)]


async def test_a_delivery_sent_again_after_a_crash_mid_send_is_one_message(
    fake: FakeDiscord, messenger: DiscordMessenger, tmp_path: Path
) -> None:
    """The dispatcher sends a delivery; the bot dies before recording it (its row is pending
    again, as a kill -9 between the send and the commit leaves it); the restarted
    dispatcher sends it again: the channel holds one message."""
    async with Database.open(tmp_path / "d.db") as db:
        async with db.write() as tx:
            chat = await chats.ensure(tx, CHAT, now=NOW)
            await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", alert(), NOW)], now=NOW)
        policy = DispatchPolicy()
        assert await Dispatcher(db, {"discord": messenger}, policy, lambda: NOW).drain() == 1
        async with db.write() as tx:
            await tx.execute("UPDATE deliveries SET state = 'pending'")
        assert await Dispatcher(db, {"discord": messenger}, policy, lambda: NOW).drain() == 1
    assert len(fake.calls_to("POST", MESSAGES)) == 2 and len(fake.messages) == 1


async def test_a_digest_sent_again_after_a_failed_part_posts_only_the_rest(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """A digest whose second part failed is sent again whole: its first part is not
    posted twice."""
    digest = Digest(tuple(alert() for _ in range(25)))

    async def second_part_fails() -> None:
        if len(fake.messages) == 1:
            fake.fail(CHANNEL, Failure.server_error(503))

    with pytest.raises(Transient):
        await messenger.send(CHAT, digest, pace=second_part_fails, key="7")
    await messenger.send(CHAT, digest, key="7")
    assert sorted(len(m["embeds"]) for m in fake.messages.values()) == [5, 10, 10]


@pytest.mark.parametrize(
    "failure", [Failure.missing_access(), Failure.missing_permissions(), Failure.unknown_channel()]
)
async def test_forbidden_or_missing_channel_is_chat_gone(
    fake: FakeDiscord, messenger: DiscordMessenger, failure: Failure
) -> None:
    """403 (50001, 50013) and 404 (10003) on a channel become ChatGone."""
    fake.fail(CHANNEL, failure)
    with pytest.raises(ChatGone):
        await messenger.send(CHAT, alert())


async def test_edit_of_a_deleted_message_is_rejected(messenger: DiscordMessenger) -> None:
    """Editing a message that no longer exists (10008) is Rejected, not ChatGone."""
    with pytest.raises(Rejected, match="10008"):
        await messenger.edit(CHAT, "123456789012345678", alert())


async def test_429_with_via_is_retried_by_the_library(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """A 429 with Via and retry_after is waited out by discord.py and then delivered."""
    fake.fail(CHANNEL, Failure.rate_limited(0.2))
    message_id = await messenger.send(CHAT, alert())
    assert [c.status for c in fake.calls_to("POST", MESSAGES)] == [429, 200]
    assert message_id in fake.messages


async def test_429_without_via_is_rate_limited(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """A 429 without Via (Cloudflare's) is not retried: RateLimited, for everything."""
    fake.fail(CHANNEL, Failure.rate_limited(7, via=False))
    with pytest.raises(RateLimited) as caught:
        await messenger.send(CHAT, alert())
    assert caught.value.retry_after == 7 and caught.value.scope_global


async def test_503_is_transient(fake: FakeDiscord, messenger: DiscordMessenger) -> None:
    """A 5xx that discord.py does not retry (503) becomes Transient at once."""
    fake.fail(CHANNEL, Failure.server_error(503))
    with pytest.raises(Transient):
        await messenger.send(CHAT, alert())
    assert len(fake.calls_to("POST", MESSAGES)) == 1


async def test_one_500_is_retried_by_the_library(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """discord.py retries a 500 itself (after 1 s); one 500 then success is delivered.

    Five 500s in a row take it 25 s of sleeps before it raises DiscordServerError
    (Transient); the 503 test covers that translation quickly.
    """
    fake.fail(CHANNEL, Failure.server_error(500))
    await messenger.send(CHAT, Notice("after a hiccup"))
    assert [c.status for c in fake.calls_to("POST", MESSAGES)] == [500, 200]


async def test_oversize_embed_is_rejected(fake: FakeDiscord, messenger: DiscordMessenger) -> None:
    """A payload over the limits, refused with 50035, becomes Rejected with the reason."""
    payload = DiscordPayload(None, ({"title": "t" * 300, "description": "d"},))
    with pytest.raises(Rejected, match="50035"):
        await messenger.send_payload(CHAT, payload)
    assert fake.calls_to("POST", MESSAGES)[0].status == 400


async def test_network_error_is_transient(fake: FakeDiscord, messenger: DiscordMessenger) -> None:
    """When Discord can't be reached the send is Transient."""
    await fake.stop()
    with pytest.raises(Transient):
        await messenger.send(CHAT, alert())


async def test_dropped_gateway_is_resumed(fake: FakeDiscord, client: StorywatchClient) -> None:
    """When the gateway drops the connection, the client reconnects and RESUMEs its session."""
    session_id = fake.gateway.sessions[0].session_id
    await fake.gateway.drop(code=4000)
    await fake.wait_until(lambda: bool(fake.gateway.ops(6)), timeout=10.0)
    assert fake.gateway.ops(6)[0]["d"]["session_id"] == session_id


async def test_running_closes_cleanly(fake: FakeDiscord) -> None:
    """Leaving `running` closes the client and its gateway connection."""
    config = config_for(fake)
    bot = build_client(config, guild_ready_timeout=0.05)
    async with running(bot, config, ready_timeout=5.0):
        assert fake.gateway.sessions
    assert bot.is_closed()
    await fake.wait_until(lambda: not fake.gateway.sessions, timeout=2.0)


async def test_bad_token_fails_start(fake: FakeDiscord) -> None:
    """A token Discord refuses stops start-up with one line naming the failure, not the token."""
    config = config_for(fake, token="wrong")
    with pytest.raises(PlatformUnavailable, match="LoginFailure") as caught:
        async with running(build_client(config), config, ready_timeout=5.0):
            pytest.fail("should not start")
    assert "wrong" not in str(caught.value) and "\n" not in str(caught.value)


async def test_missing_token_is_a_config_error(fake: FakeDiscord) -> None:
    """Without a token the Discord bot refuses to start."""
    config = config_for(fake, token=None)
    with pytest.raises(ConfigError, match=r"discord\.token"):
        async with running(build_client(config), config):
            pytest.fail("should not start")


async def test_not_ready_in_time_times_out(fake: FakeDiscord) -> None:
    """A gateway that is not ready within ready_timeout stops start-up, and the client closes."""
    config = config_for(fake)
    bot = build_client(config, guild_ready_timeout=30.0)
    with pytest.raises(PlatformUnavailable, match="not ready"):
        async with running(bot, config, ready_timeout=0.3):
            pytest.fail("should not be ready")
    assert bot.is_closed()


async def test_connected_while_the_gateway_is_up_and_not_once_discord_is_cut_off(
    fake: FakeDiscord, messenger: DiscordMessenger
) -> None:
    """What /readyz reads: connected once ready; not connected when Discord goes away, though
    discord.py still calls itself ready while it tries to reconnect."""
    assert messenger.connected()
    await fake.stop()
    async with asyncio.timeout(5):
        while messenger.connected():  # noqa: ASYNC110 (the closing socket signals no event)
            await asyncio.sleep(0.02)
