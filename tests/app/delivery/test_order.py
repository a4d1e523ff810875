"""Order: within a chat, one story's alerts go out in the order the updates were
published, however the page showed them and whatever Telegram answered in between."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from pathlib import Path

from tests.app.delivery.harness import WAIT, rig
from tests.fakes.stories import START, LiveStory, Post, _block
from tests.fakes.telegram_api import TelegramApiServer, flood
from tests.fakes.web import WebServer

CHAT = 3001


class AsAddedStory(LiveStory):
    """A live page listing its updates latest-added first, whatever their times: updates
    added together or late, timed before others, are shown out of time order."""

    def render(self) -> str:
        blocks = "\n".join(_block(post) for post in reversed(self.posts))
        return (f"<!doctype html><html><head><title>{html.escape(self.title)}</title></head>"
                f"<body><h1>{html.escape(self.title)}</h1><main>\n{blocks}\n</main></body></html>")

    def reveal(self, *posts: tuple[str, datetime]) -> None:
        """Add several updates in one go (in this order on the page), then publish once: the
        next check finds them all together."""
        for text, when in posts:
            self.posts.append(Post(f"post-{len(self.posts) + 1}", when, text))
        self.publish()


def at(minutes: int) -> datetime:
    """A publication time, `minutes` after the story's first update."""
    return START + timedelta(minutes=minutes)


def labels(text: str) -> list[str]:
    """The update labels ("U-3") a message carries."""
    return [word for word in text.split() if word.startswith("U-")]


def send_order(fake: TelegramApiServer, chat: int) -> list[str]:
    """The labels of every sendMessage to `chat` in the order the fake took the calls,
    refused calls included, a call repeated right after its refusal counted once."""
    order: list[str] = []
    for call in fake.calls_to("sendMessage"):
        if call.params["chat_id"] == chat:
            order += [label for label in labels(call.params["text"]) if order[-1:] != [label]]
    return order


async def test_alerts_arrive_in_publication_order_through_a_flood_wait(
    tmp_path: Path, web_server: WebServer
) -> None:
    """Updates found together, shown out of time order, or published late while a 429 holds
    the chat: Telegram is asked to send them oldest first, and takes each once."""
    async with rig(tmp_path, web_server) as bot:
        bot.story = story = AsAddedStory(web_server)
        # Two updates already there: a page of one block is read differently (see the report).
        story.reveal(("Before anyone subscribed.", at(-2)), ("Still before anyone.", at(-1)))
        await bot.subscribe([CHAT])
        run = await bot.start()
        await bot.baseline()
        # Three updates at once, on a page that shows them oldest on top.
        story.reveal(("U-3 third.", at(3)), ("U-1 first.", at(1)), ("U-2 second.", at(2)))
        await bot.fake.wait_for(lambda _: len(send_order(bot.fake, CHAT)) == 3, WAIT)
        # An update timed earlier appearing above a later one, in one check.
        story.reveal(("U-5 newer, shown below.", at(5)), ("U-4 older, shown above.", at(4)))
        await bot.fake.wait_for(lambda _: len(send_order(bot.fake, CHAT)) == 5, WAIT)
        # Telegram floods the chat on the next send; meanwhile an older-timed update appears.
        bot.fake.fail_next("sendMessage", flood(2))
        story.reveal(("U-7 refused with a flood wait.", at(7)))
        await bot.fake.wait_for(lambda _: "U-7" in send_order(bot.fake, CHAT), WAIT)
        story.reveal(("U-6 published late, timed before the flooded one.", at(6)))
        await bot.wait_delivered(1, "U-7")
        await run.stop()
    expected = [f"U-{n}" for n in range(1, 8)]
    assert send_order(bot.fake, CHAT) == ["U-1", "U-2", "U-3", "U-4", "U-5", "U-7", "U-6", "U-7"]
    assert [label for text in bot.delivered()[CHAT] for label in labels(text)] == expected
