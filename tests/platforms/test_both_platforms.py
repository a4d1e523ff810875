"""Telegram and Discord served together by one real `storywatch run` process."""

from __future__ import annotations

import asyncio
import html
import json
import signal
from pathlib import Path

from tests.app.cli.runner import cli_env, start
from tests.fakes import discord_objects as objects
from tests.fakes import telegram_updates as updates
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import TelegramApiServer
from tests.fakes.web import WebServer

USER = 4242
CHANNEL = objects.CHANNEL_ID
WAIT = 20.0


def live_page(texts: list[str]) -> str:
    """A live blog whose JSON-LD updates are `texts`, oldest first (minute = position)."""
    posts = [{"@type": "BlogPosting", "@id": f"#u{n}", "articleBody": text,
              "datePublished": f"2024-02-03T10:{n:02d}:00+00:00"}
             for n, text in reversed(list(enumerate(texts, 1)))]
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
               "headline": "Storm live", "liveBlogUpdate": posts}
    blocks = "".join(f"<article><p>{html.escape(p['articleBody'])}</p></article>" for p in posts)
    return ('<!doctype html><html><head><title>Storm live</title>'
            f'<script type="application/ld+json">{json.dumps(posting)}</script></head>'
            f"<body><h1>Storm live</h1>{blocks}</body></html>")


async def test_one_story_alerts_a_telegram_chat_and_a_discord_channel(
        tmp_path: Path, web_server: WebServer) -> None:
    """One process runs both bots; a story both follow sends its new update to each once."""
    texts = ["The storm made landfall near the harbour at dawn today.",
             "Winds of 120 km/h were measured on the northern coast."]
    url = web_server.set("/live", live_page(texts))
    async with TelegramApiServer() as telegram, FakeDiscord() as discord:
        env = cli_env(tmp_path, STORYWATCH_TELEGRAM__TOKEN=telegram.token,
                      STORYWATCH_TELEGRAM__BASE_URL=telegram.base_url,
                      STORYWATCH_TELEGRAM__POLL_TIMEOUT="1",
                      STORYWATCH_DISCORD__TOKEN=discord.token,
                      STORYWATCH_DISCORD__API_BASE=discord.api_base,
                      STORYWATCH_DISCORD__GATEWAY_URL=discord.gateway_url,
                      STORYWATCH_FETCH__ALLOW_NETWORKS='["127.0.0.0/8"]',
                      STORYWATCH_SCHEDULE__INTERVAL="0.3",
                      STORYWATCH_SCHEDULE__MIN_INTERVAL="0.3",
                      STORYWATCH_SCHEDULE__MAX_INTERVAL="1",
                      STORYWATCH_SCHEDULE__TICK="0.1")
        process = await start("run", env=env)
        try:
            synced = f"/applications/{objects.APP_ID}/commands"
            await discord.wait_for(lambda c: c.path == synced, timeout=WAIT)
            await telegram.wait_for_call("getUpdates", timeout=WAIT)

            telegram.inject(updates.private_command(USER, f"/subscribe {url}"))
            await telegram.wait_for_call(
                "sendMessage", lambda p: "Following" in p["text"], timeout=WAIT)
            sent = await discord.send_command(
                "subscribe", [{"name": "url", "type": 3, "value": url}])
            await discord.wait_until(lambda: bool(discord.followups.get(sent["id"])),
                                     timeout=WAIT)
            assert "Following" in discord.followups[sent["id"]][0]["content"]

            news = "Flood barriers held overnight in the old town, officials said."
            web_server.set("/live", live_page([*texts, news]))
            alert = await telegram.wait_for_call(
                "sendMessage", lambda p: "Flood barriers" in p["text"], timeout=WAIT)
            post = await discord.wait_for(
                lambda c: c.path == f"/channels/{CHANNEL}/messages", timeout=WAIT)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == 0, stderr.decode()
    assert alert.params["chat_id"] == USER and alert.params["parse_mode"] == "HTML"
    assert "Flood barriers" in post.json["embeds"][0]["description"]
    assert len(discord.calls_to("POST", f"/channels/{CHANNEL}/messages")) == 1
    assert len([c for c in telegram.calls_to("sendMessage")
                if "Flood barriers" in c.params["text"]]) == 1
