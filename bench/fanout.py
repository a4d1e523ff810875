"""Bench: one update fanned out to 3,000 Telegram chats within Telegram's 30 messages a second.

In-process: the real `Dispatcher` and `TelegramMessenger` (python-telegram-bot, its
AIORateLimiter as configured by bot.platforms.telegram.messenger) drain an outbox of one alert per
private chat, written into a fresh SQLite database, to the fake Bot API on loopback
(tests.fakes.telegram_api) enforcing 30 messages a second overall: a token bucket of 30
refilled at 30 a second, a 429 with retry_after beyond it. Rates are the defaults of
config.example.toml. Goal: at least 29 messages a second, zero 429s.
Prints one line per run and, last, one JSON object with the medians.

    .venv/bin/python bench/fanout.py [--chats 3000] [--runs 3] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app.dispatcher import Dispatcher, DispatchPolicy
from bot.core.model import Alert, ChatRef, Entry, StoryRef
from bot.edges.config import TelegramConfig
from bot.platforms.telegram import limits as telegram_limits
from bot.platforms.telegram import messenger as telegram_app
from storage import Database, chats, outbox, stories
from storage.outbox import NewDelivery
from tests.fakes.telegram_api import TelegramApiServer

STORY = StoryRef("https://news.example/live", "Strikes across the Middle East: live")
NOW = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)


async def seed(db: Database, count: int) -> None:
    """One story, `count` private chats, one pending alert for each."""
    alert = Alert(STORY, Entry("u1", NOW, "The US strikes 85 targets in Iraq and Syria."),
                  "The US strikes 85 targets in Iraq and Syria.")
    async with db.write() as tx:
        story = await stories.add(tx, STORY.url, now=NOW, interval=60)
        for n in range(count):
            chat = await chats.ensure(tx, ChatRef("telegram", str(100_000 + n)), now=NOW)
            await outbox.enqueue(tx, [NewDelivery(chat.id, "alert", alert, NOW, story.id)],
                                 now=NOW)


async def run_once(count: int, rate: float) -> dict[str, float]:
    """Fan one alert out to `count` chats; returns messages a second and 429s."""
    async with TelegramApiServer(rate_per_second=rate) as fake:
        config = TelegramConfig(token=fake.token, base_url=fake.base_url, rate_per_second=rate)
        application = telegram_app.build_application(config)
        with tempfile.TemporaryDirectory() as folder:
            async with Database.open(Path(folder) / "fanout.db") as db, application:
                await seed(db, count)
                policy = DispatchPolicy(pacing={"telegram": telegram_limits(config)})
                dispatcher = Dispatcher(db, {"telegram": telegram_app.TelegramMessenger(
                    application.bot)}, policy, lambda: datetime.now(UTC))
                started = time.perf_counter()
                sent = await dispatcher.drain()
                while sent < count:  # what a 429 put off comes back once due
                    await asyncio.sleep(0.2)
                    sent += await dispatcher.drain()
                elapsed = time.perf_counter() - started
        floods = len(fake.calls_to("sendMessage")) - len(fake.messages)
    return {"messages_per_second": count / elapsed, "seconds": elapsed, "429s": floods}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=30.0)
    args = parser.parse_args()
    results = []
    for number in range(1, args.runs + 1):
        result = await run_once(args.chats, args.rate)
        results.append(result)
        print(f"run {number}: {args.chats} chats in {result['seconds']:.1f} s, "
              f"{result['messages_per_second']:.2f} messages/s, {result['429s']} 429s",
              flush=True)
    summary = {
        "bench": "fanout", "chats": args.chats, "rate_limit": args.rate, "runs": args.runs,
        "messages_per_second_median": round(statistics.median(
            r["messages_per_second"] for r in results), 2),
        "429s_median": statistics.median(r["429s"] for r in results),
        "429s_max": max(r["429s"] for r in results),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
