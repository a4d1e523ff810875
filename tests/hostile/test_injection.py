"""Injection: text from a publisher's page renders as text. Telegram gets it
HTML-escaped (the fake Bot API refuses HTML that Telegram would not parse), Discord gets it
with markdown escaped and mentions that ping nobody (the fake refuses over-limit embeds), and
links in alerts are only ever http(s)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.model import Alert, ChatRef, Digest, Entry, Folded, Message, Notice, StoryRef
from bot.core.render.telegram_html import render_telegram
from bot.edges.config import DiscordConfig, TelegramConfig
from bot.platforms.discord.messenger import DiscordMessenger, build_client
from bot.platforms.discord.messenger import running as discord_running
from bot.platforms.telegram.messenger import TelegramMessenger, build_application
from tests.fakes import discord_objects as objects
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import TelegramApiServer

HOSTILE_TEXT = [
    "<b>bold</b> and </a> and <a href=\"javascript:alert(1)\">click</a>",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "&amp; &lt;b&gt; &#60;i&#62; &nbsp; &bogus; & < > \" '",
    "<tg-spoiler>hidden</tg-spoiler><pre><code class=\"language-x\">x</code></pre>",
    "<blockquote expandable>quote</blockquote><tg-emoji emoji-id=\"1\">x</tg-emoji>",
    "**bold** __underline__ ~~strike~~ ||spoiler|| `code` ```block``` > quote # Heading",
    "[click](https://evil.example) <https://evil.example> ![img](https://evil.example/x.png)",
    "@everyone @here <@123456789012345678> <@!123456789012345678> <@&123456789012345678>",
    "<#123456789012345678> <t:1700000000:R> </command:123> <:emoji:123> <a:emoji:123>",
    "zero\u200bwidth\u200c\u200d\u2060joiners\ufeff and soft\u00adhyphen",
    "right-to-left \u202eevil.exe\u202c \u2066isolate\u2069 \u200fmark\u200e",
    "control \x1b[31mred\x1b[0m \x07bell \r\ncarriage \x00nul",
    "1. not a list\n- nor this\n* nor this\n> nor a quote\n-# nor subtext",
    "\\<b>escaped?\\</b> \\*not\\* \\@everyone",
    "😀 astral 𝐛𝐨𝐥𝐝 and combining e\u0301\u0301\u0301\u0301",
]
BAD_LINKS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\nscript:x",
    "java\tscript:x", "\x00javascript:x", "vbscript:msgbox(1)", "data:text/html,<b>x</b>",
    "file:///etc/passwd", "ftp://example.com/x", "tg://resolve?domain=x", "//evil.example/x",
    "http:/evil", "http://", "https://exa mple.com/", "https://example.com/\u202egpj.exe",
    "mailto:a@example.com",
]
WHEN = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
TELEGRAM_CHAT = ChatRef("telegram", "4242")
DISCORD_CHAT = ChatRef("discord", objects.CHANNEL_ID)
DISCORD_MESSAGES = f"/channels/{objects.CHANNEL_ID}/messages"
_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


def hostile_messages(text: str, link: str | None = "https://news.example/live#u1"
                     ) -> list[Message]:
    """An alert, a folded burst and a digest carrying `text` in every source field."""
    entry = Entry("u1", WHEN, text, f"Headline {text}", None, link)
    story = StoryRef(link or "https://news.example/live", f"Story {text}")
    alert = Alert(story, entry, f"Summary {text}", (text[:30],))
    return [alert, Folded(story, (entry, entry)), Digest((alert, alert))]


def _markdown_fields(body: dict[str, Any]) -> list[str]:
    """The parts of a Discord message where markdown is rendered."""
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in embed.get("fields") or []]
    return parts


def visible(markup: str) -> str:
    """What a Telegram reader sees of an HTML message: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[TelegramApiServer, TelegramMessenger]]:
    async with TelegramApiServer() as fake:
        config = TelegramConfig(token=fake.token, base_url=fake.base_url, rate_per_second=1000,
                                group_rate_per_minute=60000, poll_timeout=1)
        async with build_application(config) as application:
            yield fake, TelegramMessenger(application.bot)


@pytest.fixture
async def discord_bot() -> AsyncIterator[tuple[FakeDiscord, DiscordMessenger]]:
    async with FakeDiscord(channel_ids=(objects.CHANNEL_ID,)) as fake:
        config = DiscordConfig(token=fake.token, api_base=fake.api_base,
                               gateway_url=fake.gateway_url)
        client = build_client(config, guild_ready_timeout=0.05)
        async with discord_running(client, config, ready_timeout=5.0):
            yield fake, DiscordMessenger(client)


@pytest.mark.parametrize("text", HOSTILE_TEXT)
async def test_telegram_shows_source_text_as_text(
        telegram: tuple[TelegramApiServer, TelegramMessenger], text: str) -> None:
    """Every alert form with hostile source text is accepted by the Bot API's HTML rules, and
    no tag or entity of the source becomes markup: the escaped source is what is sent."""
    fake, messenger = telegram
    for message in hostile_messages(text):
        await messenger.send(TELEGRAM_CHAT, message)
    sent = [call.params for call in fake.calls_to("sendMessage")]
    assert len(sent) == 3 and all(params["parse_mode"] == "HTML" for params in sent)
    for params in sent:
        markup = params["text"]
        # The only tags are the renderer's own; the source's "<" arrive as &lt;.
        tags = set(re.findall(r"</?([a-z-]+)", markup))
        assert tags <= {"b", "i", "a", "code", "blockquote"}, tags
        assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', markup))
        assert "<script" not in markup and "<tg-spoiler" not in markup
        assert "<b>bold</b> and" not in markup


@pytest.mark.parametrize("text", HOSTILE_TEXT)
async def test_discord_mentions_ping_nobody_and_markdown_stays_text(
        discord_bot: tuple[FakeDiscord, DiscordMessenger], text: str) -> None:
    """Every alert form is accepted within Discord's limits, allows no mentions, and carries
    no live @everyone, @here, role or user mention in its content or embeds."""
    fake, messenger = discord_bot
    for message in hostile_messages(text):
        await messenger.send(DISCORD_CHAT, message)
    posts = fake.calls_to("POST", DISCORD_MESSAGES)
    assert len(posts) == 3 and all(post.status == 200 for post in posts)
    for post in posts:
        body: dict[str, Any] = post.json
        assert body["allowed_mentions"] == {"parse": []}
        shown = (body.get("content") or "") + str(body.get("embeds") or "")
        assert not _MENTION.search(shown), shown
        # Footers and author names are plain text to Discord; the rest renders markdown.
        marked = " ".join(_markdown_fields(body))
        assert "**bold**" not in marked and "[click](https" not in marked, marked


async def test_a_huge_hostile_entry_stays_within_both_platforms_limits(
        telegram: tuple[TelegramApiServer, TelegramMessenger],
        discord_bot: tuple[FakeDiscord, DiscordMessenger]) -> None:
    """20,000 characters of entities and mentions expand when escaped, and still fit."""
    text = "<&>@everyone " * 1600
    tg_fake, tg_messenger = telegram
    dc_fake, dc_messenger = discord_bot
    for message in hostile_messages(text):
        await tg_messenger.send(TELEGRAM_CHAT, message)
        await dc_messenger.send(DISCORD_CHAT, message)
    assert len(tg_fake.calls_to("sendMessage")) >= 3
    assert all(post.status == 200 for post in dc_fake.calls_to("POST", DISCORD_MESSAGES))


@pytest.mark.parametrize("link", BAD_LINKS)
async def test_links_in_alerts_are_only_http(
        telegram: tuple[TelegramApiServer, TelegramMessenger],
        discord_bot: tuple[FakeDiscord, DiscordMessenger], link: str) -> None:
    """An entry or story link that is not a clean http(s) URL becomes no link, no button and
    no embed URL on either platform."""
    tg_fake, tg_messenger = telegram
    dc_fake, dc_messenger = discord_bot
    for message in hostile_messages("An update.", link):
        await tg_messenger.send(TELEGRAM_CHAT, message)
        await dc_messenger.send(DISCORD_CHAT, message)
    for params in (call.params for call in tg_fake.calls_to("sendMessage")):
        assert "reply_markup" not in params
        hrefs = re.findall(r'href="([^"]*)"', params["text"])
        assert all(href.startswith(("http://", "https://")) for href in hrefs), hrefs
    for post in dc_fake.calls_to("POST", DISCORD_MESSAGES):
        for embed in post.json.get("embeds") or []:
            urls = [embed.get("url"), (embed.get("author") or {}).get("url")]
            assert all(url is None or url.startswith(("http://", "https://")) for url in urls)
        assert not post.json.get("components")


def test_a_bot_notice_is_escaped_too() -> None:
    """Even the bot's own notices, which quote story titles, are escaped for Telegram."""
    rendered = render_telegram(Notice("Stopped following <b>“Evil</a>”</b> & co"))
    assert "&lt;b&gt;" in rendered.text and "&amp; co" in rendered.text
    assert visible(rendered.text) == "Stopped following <b>“Evil</a>”</b> & co"
