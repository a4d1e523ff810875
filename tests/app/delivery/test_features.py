"""Features end to end: the real `storywatch run` against the fake Bot API, a live
story on loopback and chats typing commands: edits, digests, mute, bursts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tests.app.delivery.harness import WAIT, Rig, rig
from tests.fakes import telegram_updates as updates
from tests.fakes.stories import LiveStory, Post
from tests.fakes.telegram_api import SERVER_ERROR
from tests.fakes.web import WebServer

CHAT, OTHER = 5001, 5002
# Near the summary budget (300): a digest of a dozen of these is over Telegram's 4096.
LONG = ("Officials said the convoy had crossed the border before dawn and that talks would "
        "resume in the afternoon. Aid groups asked for a pause in the fighting so that trucks "
        "could reach the north. Residents described long queues for bread and fuel in the city.")


async def until(condition: Callable[[], object], within: float = WAIT) -> None:
    """Wait until `condition()` holds (the database gives no event to wait on)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (polling a file another process writes)
            await asyncio.sleep(0.05)


def reveal(story: LiveStory, *texts: str) -> list[Post]:
    """Add updates a minute apart and publish once: the next check finds them together."""
    added = []
    for text in texts:
        added.append(Post(f"post-{len(story.posts) + 1}", story.posts[-1].at + timedelta(minutes=1),
                          text))
        story.posts.append(added[-1])
    story.publish()
    return added


def labels(text: str) -> list[str]:
    """The update labels ("U-3") a message carries, in order."""
    return [word.rstrip(".:") for word in text.split() if word.startswith("U-")]


def send_calls(bot: Rig, chat: int, method: str = "sendMessage") -> list[dict[str, object]]:
    """The params of every `method` call for `chat`."""
    return [call.params for call in bot.fake.calls_to(method) if call.params["chat_id"] == chat]


async def command(bot: Rig, chat: int, text: str) -> str:
    """Type a command in the user's private chat; returns the bot's reply."""
    before = len(send_calls(bot, chat))
    bot.fake.inject(updates.private_command(chat, text))
    await bot.fake.wait_for(lambda _: len(send_calls(bot, chat)) > before, WAIT)
    return str(send_calls(bot, chat)[before]["text"])


async def started(bot: Rig, chats: list[int]) -> None:
    """The story given a second update (a page of one block is read another way than a
    page of many) and followed by `chats`."""
    bot.story.post("Also before anyone subscribed.")
    await bot.subscribe(chats)


async def test_a_corrected_update_edits_the_alert_sent_unless_edits_are_off(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A story correcting an update: the alert already sent is edited in place
    (editMessageText), never sent again; a chat that said /edits off keeps it as it was."""
    async with rig(tmp_path, web_server) as bot:
        await started(bot, [CHAT, OTHER])
        run = await bot.start()
        await bot.baseline()
        assert "Edits off" in await command(bot, OTHER, "/edits off")
        [typo] = reveal(bot.story, "U-1 The minister resigend this morning.")
        await bot.wait_delivered(2, "U-1")
        bot.story.correct(typo, "U-1 The minister resigned this morning.")
        edit = await bot.fake.wait_for_call("editMessageText", timeout=WAIT)
        reveal(bot.story, "U-2 A later update, to know the correction was checked.")
        await bot.wait_delivered(2, "U-2")
        await run.stop()
    first_sends = {chat: [p for p in send_calls(bot, chat) if "U-1" in str(p["text"])]
                   for chat in (CHAT, OTHER)}
    assert len(first_sends[CHAT]) == len(first_sends[OTHER]) == 1  # never sent a second time
    [(key, message)] = [(k, m) for k, m in bot.fake.messages.items()
                        if k[0] == str(CHAT) and "U-1" in m["text"]]
    assert (edit.params["chat_id"], edit.params["message_id"]) == (CHAT, key[1])
    assert "resigned" in message["text"]
    assert not send_calls(bot, OTHER, "editMessageText")
    [kept] = [m["text"] for k, m in bot.fake.messages.items()
              if k[0] == str(OTHER) and "U-1" in m["text"]]
    assert "resigend" in kept


async def test_a_correction_found_while_the_alert_waits_is_not_lost(
    tmp_path: Path, web_server: WebServer
) -> None:
    """An update corrected while its alert still waits (Telegram answering 500): once Telegram
    is back the chat ends up showing the corrected text."""
    async with rig(tmp_path, web_server) as bot:
        await started(bot, [CHAT])
        run = await bot.start()
        await bot.baseline()
        bot.fake.fail_chat(CHAT, SERVER_ERROR)
        [typo] = reveal(bot.story, "U-1 The minister resigend this morning.")
        await bot.fake.wait_for(lambda _: send_calls(bot, CHAT), WAIT)
        bot.story.correct(typo, "U-1 The minister resigned this morning.")
        await bot.story.server.fetched_again(bot.story.path, within=WAIT)
        bot.fake.heal_chat(CHAT)
        reveal(bot.story, "U-2 A later update.")
        await bot.wait_delivered(1, "U-2")  # after U-1 and anything about it, in order
        await run.stop()
    [shown] = [m["text"] for m in bot.fake.messages.values() if "U-1" in m["text"]]
    assert "resigned" in shown


async def test_digest_every_two_seconds_sends_one_message_per_period(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/digest every 2s: the updates of a period arrive as one message listing them in order,
    the next period's in the next message, and an empty period sends nothing."""
    async with rig(tmp_path, web_server) as bot:
        await started(bot, [CHAT])
        run = await bot.start()
        await bot.baseline()
        assert "Digest every" in await command(bot, CHAT, "/digest every 2s")
        reveal(bot.story, "U-1 first of the period.", "U-2 second.", "U-3 third.")
        await bot.wait_delivered(1, "Digest: 3 updates")
        reveal(bot.story, "U-4 in the next period.")
        await bot.wait_delivered(1, "Digest: 1 update")
        await run.stop()
    digests = [text for text in bot.delivered()[CHAT] if "U-" in text]
    assert [labels(text) for text in digests] == [["U-1", "U-2", "U-3"], ["U-4"]]


async def test_a_long_digest_is_split_between_updates(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A digest over Telegram's 4096 characters arrives as several messages, each accepted,
    split only between updates: every update whole, once, in order; a part refused with a
    500 is sent again without repeating the parts already delivered."""
    async with rig(tmp_path, web_server) as bot:
        await started(bot, [CHAT])
        run = await bot.start()
        await bot.baseline()
        await command(bot, CHAT, "/digest every 1s")
        reveal(bot.story, *[f"U-{n} {LONG}" for n in range(1, 31)])
        await bot.fake.wait_for(lambda _: any("Digest:" in str(p["text"])
                                              for p in send_calls(bot, CHAT)), WAIT)
        bot.fake.fail_next("sendMessage", SERVER_ERROR)
        await until(lambda: bot.outbox("pending") == 0 and bot.outbox("held") == 0
                    and bot.outbox("sent") >= 1)
        await run.stop()
    parts = [text for text in bot.delivered()[CHAT] if "Digest:" in text]
    assert len(parts) >= 3
    assert [label for text in parts for label in labels(text)] == [f"U-{n}" for n in range(1, 31)]
    for text in parts:
        assert text.count(LONG) == len(labels(text))  # no update cut short
    refused = len([p for p in send_calls(bot, CHAT) if "Digest:" in str(p["text"])]) - len(parts)
    assert refused == 1


async def test_mute_holds_alerts_then_sends_one_digest_when_it_ends(
    tmp_path: Path, web_server: WebServer
) -> None:
    """/mute 2s: nothing arrives while muted; when the mute runs out (no /unmute), one digest
    of what was held; alerts then flow one by one again."""
    async with rig(tmp_path, web_server) as bot:
        await started(bot, [CHAT])
        run = await bot.start()
        await bot.baseline()
        assert "Muted until" in await command(bot, CHAT, "/mute 2s")
        muted_at = time.monotonic()
        reveal(bot.story, "U-1 while muted.")
        reveal(bot.story, "U-2 while muted, later.")
        await until(lambda: bot.outbox("held", "U-") == 2)
        assert bot.accepted("U-") == 0
        await bot.wait_delivered(1, "While muted: 2 updates")
        assert time.monotonic() - muted_at >= 2
        reveal(bot.story, "U-3 after the mute.")
        await bot.wait_delivered(1, "U-3")
        await run.stop()
    shown = [text for text in bot.delivered()[CHAT] if "U-" in text]
    assert [labels(text) for text in shown] == [["U-1", "U-2"], ["U-3"]]
    assert "While muted" not in shown[1]


async def test_a_burst_sends_the_newest_one_by_one_and_folds_the_rest(
    tmp_path: Path, web_server: WebServer
) -> None:
    """Seven updates found in one check with alerts.burst_limit 3: one "and 4 more updates"
    message for the oldest four, then the newest three one by one, in order."""
    async with rig(tmp_path, web_server, STORYWATCH_ALERTS__BURST_LIMIT="3") as bot:
        await started(bot, [CHAT])
        run = await bot.start()
        await bot.baseline()
        reveal(bot.story, *[f"U-{n} of the burst." for n in range(1, 8)])
        await bot.wait_delivered(1, "U-7")
        await run.stop()
    shown = [text for text in bot.delivered()[CHAT] if "U-" in text]
    assert len(shown) == 4
    assert "and 4 more updates" in shown[0]
    assert labels(shown[0]) == ["U-1", "U-2", "U-3", "U-4"]
    assert [labels(text) for text in shown[1:]] == [["U-5"], ["U-6"], ["U-7"]]
