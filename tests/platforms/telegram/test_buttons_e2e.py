"""The buttons under /list in the real `storywatch run` process against the fake Bot API: what a
press sets is what the next alerts obey (a mute holds them, edits off leaves a sent alert
as it was, an unsubscribe stops them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.fakes import telegram_updates as updates
from tests.fakes.web import WebServer
from tests.platforms.telegram.test_bindings import numbered_post
from tests.platforms.telegram.test_e2e import WAIT, Bot, Story, storywatch_run

USER, OTHER_USER = 4242, 5151


def list_message(bot: Bot) -> dict[str, Any]:
    """The newest message in the user's chat that carries buttons (the /list answer)."""
    return max((m for (chat, _), m in bot.fake.messages.items()
                if chat == str(USER) and "callback_data" in str(m.get("reply_markup"))),
               key=lambda m: int(m["message_id"]))


async def press(bot: Bot, label: str) -> dict[str, Any]:
    """Press `label` under the /list message; the answer of its callback query."""
    message = list_message(bot)
    [data] = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
              for b in row if b["text"] == label]
    query = bot.fake.press(USER, message["message_id"], USER, data)
    await bot.fake.wait_for(lambda _: bot.fake.queries[query] is not None, WAIT)
    answer = bot.fake.queries[query]
    assert answer is not None and not answer.get("show_alert"), answer
    # The list is redrawn after the answer: wait for it, so the next press finds fresh buttons.
    await bot.fake.wait_for(lambda calls: any(
        c.method == "editMessageText" and c.params["message_id"] == message["message_id"]
        and c.params["text"].startswith(str(answer["text"])[:40]) for c in calls), WAIT)
    return answer


def edits(bot: Bot, chat_id: int) -> list[dict[str, Any]]:
    """The alerts edited in `chat_id` (not the /list redrawn after a press)."""
    return [c.params for c in bot.fake.calls_to("editMessageText")
            if c.params["chat_id"] == chat_id and c.params.get("parse_mode") == "HTML"]


def states(bot: Bot, kind: str = "alert", chat_id: int = USER) -> list[str]:
    """The outbox states of a chat's deliveries of `kind`, oldest first (read-only)."""
    with sqlite3.connect(f"file:{bot.db_path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT d.state FROM deliveries d JOIN chats c ON c.id = d.chat_id"
            " WHERE c.chat_id = ? AND d.kind = ? ORDER BY d.id", (str(chat_id), kind)).fetchall()
    return [row[0] for row in rows]


async def test_what_buttons_set_the_next_alerts_obey(tmp_path: Path, web_server: WebServer
                                                     ) -> None:
    """Mute 1 h holds the next update until Unmute; with edits turned off a corrected
    update leaves its alert as sent; after Unsubscribe no alert comes (another chat's
    does)."""
    story = Story(web_server)
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.private_command(USER, f"/subscribe {story.url}"), USER)
        # Another chat follows the story too, so it is still checked after USER unsubscribes.
        await bot.subscribe(updates.private_command(OTHER_USER, f"/subscribe {story.url}"),
                            OTHER_USER)
        await bot.command(updates.private_command(USER, "/list"), USER)
        assert (await press(bot, "Mute 1 h"))["text"].startswith("Muted until")
        story.post(*numbered_post(3))
        await story.checked(2)
        assert states(bot) == ["held"] and not bot.alerts(USER, "Update number 3")
        assert (await press(bot, "Unmute"))["text"].startswith("Unmuted")
        await bot.wait_alerts(USER, "Update number 3")  # the held update, released
        story.post(*numbered_post(4))
        await bot.wait_alerts(USER, "Update number 4")
        assert (await press(bot, "Turn edits off"))["text"].startswith("Edits off")
        story.posts[3] = ("Headline 4", "Update number 4, corrected: the storm left town.")
        story.post(*numbered_post(5))
        await bot.wait_alerts(USER, "Update number 5")
        # The other chat, whose edits are on, gets the correction; this one does not.
        await bot.fake.wait_for(lambda _: edits(bot, OTHER_USER), WAIT)
        await story.checked(1)
        assert not edits(bot, USER) and states(bot, "edit") == []
        assert states(bot, "edit", OTHER_USER) == ["sent"]
        assert (await press(bot, "1: Unsubscribe"))["text"].startswith("Stopped following")
        assert bot.subscriptions_active(USER) == []
        story.post(*numbered_post(6))
        await bot.wait_alerts(OTHER_USER, "Update number 6")
        await story.checked(1)
        assert not bot.alerts(USER, "Update number 6")
