"""The fake Discord's own rules, checked over plain HTTP and WebSocket (and discord.py once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from bot.edges.config import DiscordConfig
from bot.platforms.discord.messenger import build_client, running
from tests.fakes import discord_objects as objects
from tests.fakes.clock import FakeClock
from tests.fakes.discord_api import Failure, FakeDiscord

CHANNEL = objects.CHANNEL_ID
MESSAGES = f"/channels/{CHANNEL}/messages"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(clock=clock.seconds) as server:
        yield server


@pytest.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str,
               body: Any = None) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    async with http.request(method, path.lstrip("/"), json=body) as response:
        data = await response.json() if response.content_type == "application/json" else None
        return response.status, data, response.headers


async def identified(fake: FakeDiscord, http: aiohttp.ClientSession,
                     ) -> aiohttp.ClientWebSocketResponse:
    """A raw gateway connection that has identified and read READY and GUILD_CREATE."""
    ws = await http.ws_connect(fake.gateway_url)
    await ws.receive_json()
    await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 0, "properties": {}}})
    await ws.receive_json()
    await ws.receive_json()
    return ws


async def test_json_content_type_is_exact(http: aiohttp.ClientSession) -> None:
    """Answers carry Content-Type exactly application/json, as discord.py requires."""
    status, data, headers = await call(http, "GET", "/users/@me")
    assert status == 200 and data["id"] == objects.BOT_ID
    assert headers["Content-Type"] == "application/json"


async def test_wrong_token_is_unauthorized(fake: FakeDiscord) -> None:
    """A wrong bot token gets 401, which discord.py reports as a login failure."""
    async with aiohttp.ClientSession(headers={"Authorization": "Bot nope"}) as session, \
            session.get(fake.api_base + "/users/@me") as response:
        assert response.status == 401


async def test_message_is_recorded_with_rate_limit_headers(
        fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """A posted message is stored, recorded with its body, and answered with rate-limit headers."""
    status, data, headers = await call(http, "POST", MESSAGES, {"content": "hi"})
    assert status == 200 and fake.messages[data["id"]]["content"] == "hi"
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-After",
            "X-RateLimit-Bucket"} <= set(headers)
    recorded = await fake.wait_for(lambda c: c.method == "POST")
    assert recorded.path == MESSAGES and recorded.json == {"content": "hi"}
    assert recorded.status == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"embeds": [{"title": "t" * 257}]}, "title"),
    ({"embeds": [{"description": "d" * 4097}]}, "description"),
    ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "footer"),
    ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]}, "fields"),
    ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "fields"),
])
async def test_embed_over_a_limit_is_invalid_form_body(
        http: aiohttp.ClientSession, body: dict, field: str) -> None:
    """An embed field over Discord's limit is refused with 400, code 50035, naming the field."""
    status, data, _ = await call(http, "POST", MESSAGES, body)
    assert status == 400 and data["code"] == 50035 and data["message"] == "Invalid Form Body"
    assert field in data["errors"]["embeds"]["0"]


async def test_embeds_over_6000_in_total_are_refused(http: aiohttp.ClientSession) -> None:
    """Embeds each within limits but over 6000 characters together are refused (50035)."""
    embeds = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    status, data, _ = await call(http, "POST", MESSAGES, {"embeds": embeds})
    assert status == 400 and data["code"] == 50035


async def test_more_than_ten_embeds_or_long_content_are_refused(
        http: aiohttp.ClientSession) -> None:
    """Eleven embeds, or content over 2000 characters, are refused (50035)."""
    status, data, _ = await call(http, "POST", MESSAGES, {"embeds": [{"title": "t"}] * 11})
    assert (status, data["code"]) == (400, 50035)
    status, data, _ = await call(http, "POST", MESSAGES, {"content": "c" * 2001})
    assert (status, data["code"]) == (400, 50035)


async def test_components_over_discords_limits_are_refused(http: aiohttp.ClientSession) -> None:
    """Six action rows, six buttons in a row, a custom_id over 100 characters or used twice
    are refused (50035); five rows of five unique buttons pass."""
    def row(*ids: str) -> dict[str, Any]:
        return {"type": 1, "components": [{"type": 2, "style": 1, "label": i[:80],
                                           "custom_id": i} for i in ids]}

    fine = [row(*(f"{r}-{b}" for b in range(5))) for r in range(5)]
    for components in ([*fine, row("x")], [row(*(str(b) for b in range(6)))],
                       [row("c" * 101)], [row("same"), row("same")]):
        status, data, _ = await call(http, "POST", MESSAGES,
                                     {"content": "list", "components": components})
        assert (status, data["code"]) == (400, 50035), components
    status, _, _ = await call(http, "POST", MESSAGES, {"content": "list", "components": fine})
    assert status == 200


async def test_an_enforced_nonce_repeated_within_minutes_returns_the_first_message(
        fake: FakeDiscord, http: aiohttp.ClientSession, clock: FakeClock) -> None:
    """With enforce_nonce, a repeat of a nonce answers the message it made, until the few
    minutes Discord keeps it have passed; without it, a repeat is a new message; a nonce
    over 25 characters is refused."""
    first = await call(http, "POST", MESSAGES, {"content": "a", "nonce": "n1",
                                                 "enforce_nonce": True})
    clock.advance(60)
    again = await call(http, "POST", MESSAGES, {"content": "a", "nonce": "n1",
                                                 "enforce_nonce": True})
    loose = await call(http, "POST", MESSAGES, {"content": "a", "nonce": "n1"})
    assert (first[0], again[0]) == (200, 200) and again[1]["id"] == first[1]["id"]
    assert loose[1]["id"] != first[1]["id"]
    clock.advance(300)
    late = await call(http, "POST", MESSAGES, {"content": "a", "nonce": "n1",
                                                "enforce_nonce": True})
    assert late[1]["id"] not in (first[1]["id"], loose[1]["id"]) and len(fake.messages) == 3
    status, data, _ = await call(http, "POST", MESSAGES, {"content": "a", "nonce": "n" * 26})
    assert (status, data["code"]) == (400, 50035)


async def test_empty_message_is_refused(http: aiohttp.ClientSession) -> None:
    """A message with neither content nor embeds is refused with code 50006."""
    status, data, _ = await call(http, "POST", MESSAGES, {"content": "", "embeds": []})
    assert (status, data["code"]) == (400, 50006)


async def test_unknown_channel_and_message(http: aiohttp.ClientSession) -> None:
    """A channel the bot doesn't know is 404/10003; editing an unknown message is 404/10008."""
    status, data, _ = await call(http, "POST", "/channels/999/messages", {"content": "x"})
    assert (status, data["code"]) == (404, 10003)
    status, data, _ = await call(http, "PATCH", f"{MESSAGES}/123", {"content": "x"})
    assert (status, data["code"]) == (404, 10008)


async def test_edit_replaces_the_message(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """PATCH changes a stored message and marks it edited."""
    _, sent, _ = await call(http, "POST", MESSAGES, {"content": "one"})
    status, edited, _ = await call(http, "PATCH", f"{MESSAGES}/{sent['id']}", {"content": "two"})
    assert status == 200 and edited["id"] == sent["id"] and edited["edited_timestamp"]
    assert fake.messages[sent["id"]]["content"] == "two"


async def test_programmed_failures_are_served_in_order_then_heal(
        fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """A failure given `times` is served that often; a sticky one until `heal`."""
    fake.fail(CHANNEL, Failure.missing_access())
    fake.fail(CHANNEL, Failure.server_error(503))
    assert (await call(http, "POST", MESSAGES, {"content": "x"}))[0] == 403
    assert (await call(http, "POST", MESSAGES, {"content": "x"}))[0] == 503
    assert (await call(http, "POST", MESSAGES, {"content": "x"}))[0] == 200
    fake.fail(CHANNEL, Failure.unknown_channel(), times=None)
    assert (await call(http, "POST", MESSAGES, {"content": "x"}))[0] == 404
    assert (await call(http, "POST", MESSAGES, {"content": "x"}))[0] == 404
    fake.heal(CHANNEL)
    assert (await call(http, "POST", MESSAGES, {"content": "x"}))[0] == 200


async def test_429_looks_like_discords(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """A programmed 429 carries Via and a JSON body with retry_after and global."""
    fake.fail(CHANNEL, Failure.rate_limited(0.25, is_global=True))
    status, data, headers = await call(http, "POST", MESSAGES, {"content": "x"})
    assert status == 429 and headers["Via"] and headers["X-RateLimit-Global"] == "true"
    assert data["retry_after"] == 0.25 and data["global"] is True and data["message"]


async def test_command_sync_is_echoed_and_kept_per_guild(
        fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """PUT of commands answers each with id, application_id and version, kept per guild."""
    command = {"name": "list", "description": "your subscriptions", "type": 1}
    path = f"/applications/{objects.APP_ID}/guilds/{objects.GUILD_ID}/commands"
    status, data, _ = await call(http, "PUT", path, [command])
    assert status == 200 and data[0]["name"] == "list"
    assert {"id", "application_id", "version"} <= set(data[0])
    assert fake.commands[objects.GUILD_ID][0]["name"] == "list"
    await call(http, "PUT", f"/applications/{objects.APP_ID}/commands", [])
    assert fake.commands[None] == []


async def test_gateway_handshake(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """HELLO, heartbeat ACK, IDENTIFY -> READY and a GUILD_CREATE whose counts agree."""
    ws = await http.ws_connect(fake.gateway_url)
    hello = await ws.receive_json()
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    await ws.send_json({"op": 1, "d": None})
    assert (await ws.receive_json())["op"] == 11
    await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 0, "properties": {}}})
    ready, guild = await ws.receive_json(), await ws.receive_json()
    assert (ready["t"], ready["s"], guild["t"], guild["s"]) == ("READY", 1, "GUILD_CREATE", 2)
    assert {"v", "user", "guilds", "session_id", "resume_gateway_url", "application"} <= set(
        ready["d"])
    members = guild["d"]["members"]
    assert guild["d"]["member_count"] == len(members)
    assert all("flags" in m for m in members)
    assert [c["id"] for c in guild["d"]["channels"]] == [CHANNEL]
    await ws.close()


async def test_gateway_resume(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """RESUME (op 6) is answered with a RESUMED dispatch continuing the sequence."""
    ws = await http.ws_connect(fake.gateway_url)
    await ws.receive_json()
    await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": "s", "seq": 7}})
    resumed = await ws.receive_json()
    assert (resumed["t"], resumed["s"]) == ("RESUMED", 8)
    await ws.close()


async def test_interaction_answered_in_time(fake: FakeDiscord, http: aiohttp.ClientSession,
                                            clock: FakeClock) -> None:
    """A callback within 3 s gets the with_response answer; a second one is refused (40060)."""
    ws = await identified(fake, http)
    sent = await fake.send_command("list", permissions=objects.MANAGE_CHANNELS)
    event = await ws.receive_json()
    assert event["t"] == "INTERACTION_CREATE" and event["d"]["member"]["permissions"] == "16"
    clock.advance(2.9)
    path = f"/interactions/{sent['id']}/{sent['token']}/callback?with_response=1"
    status, data, _ = await call(http, "POST", path, {"type": 4, "data": {"content": "ok"}})
    assert status == 200 and data["interaction"]["id"] == sent["id"]
    assert data["resource"]["message"]["content"] == "ok"
    status, data, _ = await call(http, "POST", path, {"type": 4, "data": {"content": "ok"}})
    assert (status, data["code"]) == (400, 40060)
    await ws.close()


async def test_interaction_answered_late_is_unknown(
        fake: FakeDiscord, http: aiohttp.ClientSession, clock: FakeClock) -> None:
    """A callback more than 3 s after INTERACTION_CREATE is 404 Unknown interaction (10062)."""
    ws = await identified(fake, http)
    sent = await fake.send_command("subscribe", [{"name": "url", "type": 3, "value": "x"}])
    clock.advance(3.01)
    path = f"/interactions/{sent['id']}/{sent['token']}/callback"
    status, data, _ = await call(http, "POST", path, {"type": 5})
    assert (status, data["code"], data["message"]) == (404, 10062, "Unknown interaction")
    await ws.close()


async def test_deferred_interaction_gets_follow_ups(
        fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """After a defer (type 5, no body back), follow-ups and @original edits are accepted."""
    ws = await identified(fake, http)
    sent = await fake.send_command("subscribe", guild_id=None)
    assert "user" in sent and "member" not in sent
    path = f"/interactions/{sent['id']}/{sent['token']}/callback"
    assert (await call(http, "POST", path, {"type": 5}))[0] == 204
    hook = f"/webhooks/{objects.APP_ID}/{sent['token']}"
    status, data, _ = await call(http, "POST", hook, {"content": "followed"})
    assert status == 200 and data["content"] == "followed"
    status, data, _ = await call(http, "PATCH", f"{hook}/messages/@original", {"content": "e"})
    assert status == 200 and data["content"] == "e"
    await ws.close()


async def test_wait_for_times_out(fake: FakeDiscord) -> None:
    """wait_for raises TimeoutError when no call matches in time."""
    with pytest.raises(TimeoutError):
        await fake.wait_for(lambda c: c.method == "DELETE", timeout=0.05)


async def test_discord_py_reads_injected_interactions() -> None:
    """discord.py parses an injected slash command and autocomplete, with the caller's rights."""
    async with FakeDiscord() as fake:
        config = DiscordConfig(token=fake.token, api_base=fake.api_base,
                               gateway_url=fake.gateway_url)
        client = build_client(config, guild_ready_timeout=0.05)
        seen: list[discord.Interaction] = []

        @client.event
        async def on_interaction(interaction: discord.Interaction) -> None:
            seen.append(interaction)
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message("pong", ephemeral=True)

        async with running(client, config, ready_timeout=5.0):
            admin = await fake.send_command("ping", permissions=objects.MANAGE_CHANNELS)
            await fake.wait_until(lambda: admin["id"] in fake.callbacks)
            await fake.send_command("ping", permissions=0)
            await fake.send_autocomplete(
                "filter", [{"name": "word", "type": 3, "value": "sanc", "focused": True}])
            await fake.wait_until(lambda: len(fake.callbacks) == 3)
        answer = fake.callbacks[admin["id"]]
        assert answer["type"] == 4 and answer["data"]["flags"] == 64
        assert [i.permissions.manage_channels for i in seen[:2]] == [True, False]
        assert seen[2].type is discord.InteractionType.autocomplete


async def test_discord_py_defers_and_follows_up() -> None:
    """A tree command is synced, then defers an injected call, follows up and edits the original."""
    async with FakeDiscord() as fake:
        config = DiscordConfig(token=fake.token, api_base=fake.api_base,
                               gateway_url=fake.gateway_url)
        client = build_client(config, guild_ready_timeout=0.05)
        urls: list[str] = []

        @client.tree.command(name="subscribe", description="Follow a live story")
        async def subscribe(interaction: discord.Interaction, url: str) -> None:
            urls.append(url)
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("subscribed")
            await interaction.edit_original_response(content="done")

        async with running(client, config, ready_timeout=5.0):
            assert [c["name"] for c in fake.commands[None]] == ["subscribe"]
            sent = await fake.send_command(
                "subscribe", [{"name": "url", "type": 3, "value": "https://x.example/live"}],
                guild_id=None)
            hook = f"/webhooks/{objects.APP_ID}/{sent['token']}"
            await fake.wait_for(lambda c: c.path == f"{hook}/messages/@original")
        assert urls == ["https://x.example/live"]
        assert fake.callbacks[sent["id"]]["type"] == 5
        assert fake.calls_to("POST", hook)[0].json["content"] == "subscribed"
        assert fake.calls_to("PATCH", f"{hook}/messages/@original")[0].status == 200
