"""The real `storywatch run` process against the fake Bot API and stories on loopback: from a
command typed in a chat, through a story gaining an update, to the sendMessage Telegram got,
and what the bot does with each kind of Telegram error (docs/BEHAVIOUR.md, Alerts and
Platform answers)."""

from __future__ import annotations

import asyncio
import html
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.app.cli.runner import cli_env, start
from tests.fakes import telegram_updates as updates
from tests.fakes.telegram_api import (
    KICKED,
    SERVER_ERROR,
    Failure,
    TelegramApiServer,
    flood,
    migrated,
)
from tests.fakes.web import WebServer
from tests.platforms.telegram.test_bindings import TITLE, numbered_post, story_page

USER, OTHER_USER, MEMBER = 4242, 5151, 6001
GROUP, FORUM, OLD_GROUP, NEW_GROUP = -1001234, -1005555, -4321, -1004321
WAIT = 10.0
CANT_PARSE = Failure(400, "Bad Request: can't parse entities: unsupported start tag \"x\"")


@dataclass
class Story:
    """A live story on the loopback web server that gains updates when the test says."""

    web: WebServer
    posts: list[tuple[str, str]] = field(default_factory=lambda: [numbered_post(1),
                                                                  numbered_post(2)])
    path: str = "/live"

    def __post_init__(self) -> None:
        self.web.set(self.path, story_page(self.posts))

    @property
    def url(self) -> str:
        return self.web.url(self.path)

    def post(self, headline: str, text: str) -> None:
        """Publish one more update (the newest)."""
        self.posts.append((headline, text))
        self.web.set(self.path, story_page(self.posts))

    async def checked(self, times: int) -> None:
        """Wait until the bot has fetched the page `times` more times."""
        target = self.web.hits[self.path] + times
        async with asyncio.timeout(WAIT):
            while self.web.hits[self.path] < target:  # noqa: ASYNC110 (no fetch event to await)
                await asyncio.sleep(0.05)


@dataclass
class Bot:
    """The running `storywatch run` process, seen through the fake Telegram."""

    fake: TelegramApiServer
    db_path: Path

    def sends(self, chat_id: int, containing: str = "") -> list[dict[str, Any]]:
        """The params of every sendMessage to `chat_id` (whose text contains `containing`)."""
        return [c.params for c in self.fake.calls_to("sendMessage")
                if c.params["chat_id"] == chat_id and containing in c.params["text"]]

    def alerts(self, chat_id: int, containing: str = "") -> list[dict[str, Any]]:
        """The alerts (HTML messages, not command replies) sent to `chat_id`."""
        return [p for p in self.sends(chat_id, containing) if p.get("parse_mode") == "HTML"]

    async def wait_alerts(self, chat_id: int, containing: str, count: int = 1
                          ) -> list[dict[str, Any]]:
        """Wait until `count` alert attempts containing `containing` reached `chat_id`."""
        await self.fake.wait_for(lambda _: len(self.alerts(chat_id, containing)) >= count, WAIT)
        return self.alerts(chat_id, containing)

    async def command(self, update: dict[str, Any], chat_id: int) -> str:
        """Send a command update and return the text of the reply."""
        before = len(self.sends(chat_id))
        self.fake.inject(update)
        await self.fake.wait_for(lambda _: len(self.sends(chat_id)) > before, WAIT)
        return str(self.sends(chat_id)[before]["text"])

    async def subscribe(self, update: dict[str, Any], chat_id: int) -> None:
        reply = await self.command(update, chat_id)
        assert reply.startswith("Following"), reply

    def subscriptions_active(self, chat_id: int) -> list[bool]:
        """What the bot's database says about the chat's subscriptions (read-only)."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as connection:
            rows = connection.execute(
                "SELECT s.active FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
                " WHERE c.platform = 'telegram' AND c.chat_id = ?", (str(chat_id),)).fetchall()
        return [bool(row[0]) for row in rows]

    async def wait_subscriptions(self, chat_id: int, active: list[bool]) -> None:
        async with asyncio.timeout(WAIT):
            while self.subscriptions_active(chat_id) != active:  # noqa: ASYNC110 (no db event)
                await asyncio.sleep(0.05)


@asynccontextmanager
async def storywatch_run(tmp_path: Path) -> AsyncIterator[Bot]:
    """`storywatch run` with Telegram pointed at a fake; stopped with SIGTERM, which must
    end it with status 0, no command handler having raised."""
    async with TelegramApiServer() as fake:
        env = cli_env(
            tmp_path,
            STORYWATCH_TELEGRAM__TOKEN=fake.token,
            STORYWATCH_TELEGRAM__BASE_URL=fake.base_url,
            STORYWATCH_TELEGRAM__POLL_TIMEOUT="1",
            STORYWATCH_TELEGRAM__GROUP_RATE_PER_MINUTE="6000",
            STORYWATCH_TELEGRAM__CHAT_RATE_PER_SECOND="100",
            STORYWATCH_FETCH__ALLOW_NETWORKS='["127.0.0.0/8"]',
            STORYWATCH_SCHEDULE__INTERVAL="0.3",
            STORYWATCH_SCHEDULE__MIN_INTERVAL="0.3",
            STORYWATCH_SCHEDULE__MAX_INTERVAL="1",
            STORYWATCH_SCHEDULE__TICK="0.1",
            STORYWATCH_DELIVERY__RETRY_BASE="0.2",
        )
        process = await start("run", env=env)
        output = asyncio.gather(_read(process.stdout), _read(process.stderr))
        try:
            await fake.wait_for_call("getUpdates", timeout=WAIT)
            yield Bot(fake, tmp_path / "storywatch.db")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(WAIT):
                status = await process.wait()
                _, stderr = await output
        assert status == 0, stderr
        assert "No error handlers" not in stderr, stderr  # no handler raised


async def _read(stream: asyncio.StreamReader | None) -> str:
    """All of a stream, read as it comes so the process never blocks on a full pipe."""
    return (await stream.read()).decode() if stream is not None else ""


async def test_command_to_alert_escaped_with_button_and_filters(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A user's /subscribe and /filter, then a new update: one HTML alert, escaped, previews
    off, a button to the update; an update the filter leaves out is not sent."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.private_command(USER, f"/subscribe {story.url}"), USER)
        filtered = await bot.command(updates.private_command(USER, "/filter add storm"), USER)
        assert "include storm" in filtered
        story.post("Quiet day", "Parliament sat and adjourned without news.")
        story.post("Storm hits coast & town", "The storm made landfall at noon.")
        [alert] = await bot.wait_alerts(USER, "landfall")
    # The story's title, taken from the web, carries markup: it arrives escaped, shown as is.
    assert f"<b>{html.escape(TITLE, quote=False)}</b>" in alert["text"]
    assert "Storm hits coast &amp; town" in alert["text"]
    assert alert["link_preview_options"] == {"is_disabled": True}
    [[button]] = alert["reply_markup"]["inline_keyboard"]
    assert button["url"].startswith(story.url)
    assert len(html.unescape(alert["text"])) <= 4096
    shown = [m["text"] for (chat, _), m in bot.fake.messages.items() if chat == str(USER)]
    assert any(TITLE in text and "Matched: storm" in text for text in shown)
    assert not bot.sends(USER, "Parliament")


async def test_alerts_for_a_forum_topic_go_to_that_topic(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A story followed in a forum topic is alerted in that topic."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.topic_command(FORUM, 77, USER, f"/subscribe {story.url}"),
                            FORUM)
        story.post(*numbered_post(3))
        [alert] = await bot.wait_alerts(FORUM, "Update number 3")
    assert alert["message_thread_id"] == 77


async def test_kicked_chat_is_deactivated_then_resumes_when_added_back(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A 403 deactivates the chat's subscriptions and is not retried; my_chat_member adding
    the bot back makes alerts flow again."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.group_command(GROUP, MEMBER, f"/subscribe {story.url}"),
                            GROUP)
        bot.fake.fail_chat(GROUP, KICKED)
        story.post(*numbered_post(3))
        await bot.wait_alerts(GROUP, "Update number 3")
        await bot.wait_subscriptions(GROUP, [False])
        bot.fake.heal_chat(GROUP)
        story.post(*numbered_post(4))
        await story.checked(2)
        assert len(bot.alerts(GROUP)) == 1  # neither retried nor routed while gone
        bot.fake.inject(updates.bot_membership(GROUP, bot.fake.bot_user, MEMBER, added=True))
        await bot.wait_subscriptions(GROUP, [True])
        story.post(*numbered_post(5))
        await bot.wait_alerts(GROUP, "Update number 5")
    assert not bot.alerts(GROUP, "Update number 4")


async def test_migrated_group_moves_and_alert_is_resent_there(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A group upgraded to a supergroup: the alert is resent to the new id, and later ones
    go there directly."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.group_command(OLD_GROUP, MEMBER, f"/subscribe {story.url}",
                                                  kind="group"), OLD_GROUP)
        bot.fake.fail_chat(OLD_GROUP, migrated(NEW_GROUP))
        story.post(*numbered_post(3))
        await bot.wait_alerts(NEW_GROUP, "Update number 3")
        story.post(*numbered_post(4))
        await bot.wait_alerts(NEW_GROUP, "Update number 4")
    assert len(bot.alerts(OLD_GROUP)) == 1


async def test_flood_wait_holds_only_that_chat(tmp_path: Path, web_server: WebServer) -> None:
    """A 429 with retry_after: that chat waits as told while another chat's alert goes on,
    then it is delivered."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.private_command(USER, f"/subscribe {story.url}"), USER)
        await bot.subscribe(updates.private_command(OTHER_USER, f"/subscribe {story.url}"),
                            OTHER_USER)
        bot.fake.fail_chat(USER, flood(1))
        story.post(*numbered_post(3))
        await bot.wait_alerts(USER, "Update number 3")
        await bot.wait_alerts(OTHER_USER, "Update number 3")
        waited_from = asyncio.get_running_loop().time()
        bot.fake.heal_chat(USER)
        await bot.wait_alerts(USER, "Update number 3", count=2)
        waited = asyncio.get_running_loop().time() - waited_from
        calls = [c.params["chat_id"] for c in bot.fake.calls_to("sendMessage")
                 if "Update number 3" in c.params["text"]]
    assert calls[-1] == USER and calls.count(USER) == 2 and calls.count(OTHER_USER) == 1
    assert waited > 0.5  # the retry waited out retry_after (1 s) instead of hammering


async def test_server_error_is_retried_and_delivered(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A 500 answer keeps the alert pending; it is retried and delivered."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.private_command(USER, f"/subscribe {story.url}"), USER)
        bot.fake.fail_next("sendMessage", SERVER_ERROR)
        story.post(*numbered_post(3))
        attempts = await bot.wait_alerts(USER, "Update number 3", count=2)
    assert len(attempts) == 2
    assert any("Update number 3" in m["text"] for m in bot.fake.messages.values())


async def test_refused_message_fails_and_the_next_one_goes_on(
    tmp_path: Path, web_server: WebServer
) -> None:
    """Another 400 (can't parse entities) fails that delivery only; the next is delivered
    and the failed one is not retried."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.private_command(USER, f"/subscribe {story.url}"), USER)
        bot.fake.fail_next("sendMessage", CANT_PARSE)
        story.post(*numbered_post(3))
        story.post(*numbered_post(4))
        await bot.wait_alerts(USER, "Update number 4")
        await story.checked(2)
    assert len(bot.alerts(USER, "Update number 3")) == 1
    delivered = [m["text"] for m in bot.fake.messages.values()]
    assert not any("Update number 3" in text for text in delivered)
