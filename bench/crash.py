"""Bench: SIGKILL `storywatch run` at random moments while 1,000 alerts fan out; count losses.

A real `storywatch run` subprocess against the fake Bot API and a live story on loopback
(tests/app/delivery/harness.py): 100 chats follow the story, which gains 10 updates, two at a
time; after each pair the bot is killed with SIGKILL at a random moment and started again
on the same database. At the end every chat must have every update. Per kill it prints the
sends in flight (accepted by the fake, not recorded as sent); then alerts lost and
duplicated. Goal: 0 lost, duplicates no more than the sends in flight.
Last line: one JSON object.

    .venv/bin/python bench/crash.py [--chats 100] [--updates 10] [--kills 5] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from tests.app.delivery.harness import Rig, rig
from tests.fakes.web import WebServer

ALERT = "Update number"


def received(bot: Rig, chat: int) -> set[int]:
    """The update numbers a chat received."""
    return {int(text.split(ALERT)[1].split()[0]) for text in bot.delivered()[chat] if ALERT in text}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    chat_ids = range(2001, 2001 + args.chats)
    per_kill, unrecorded = [], 0
    with tempfile.TemporaryDirectory() as folder:
        async with WebServer() as web, rig(Path(folder), web,
                                           STORYWATCH_TELEGRAM__RATE_PER_SECOND="100") as bot:
            await bot.subscribe(chat_ids)
            run = await bot.start()
            await bot.baseline()
            posted = 0
            for kill in range(1, args.kills + 1):
                for _ in range(max(1, args.updates // args.kills)):
                    if posted < args.updates:
                        posted += 1
                        bot.story.post(f"{ALERT} {posted} of the story.")
                await asyncio.sleep(chance.uniform(0.1, 2.0))
                await run.kill()
                run = await bot.start(
                    probe=lambda: bot.accepted(ALERT) - bot.outbox("sent", ALERT))
                per_kill.append(run.probed - unrecorded)
                unrecorded = run.probed
                print(f"kill {kill}: {bot.accepted(ALERT)} alerts accepted so far, "
                      f"{per_kill[-1]} in flight", flush=True)
            while posted < args.updates:
                posted += 1
                bot.story.post(f"{ALERT} {posted} of the story.")
            expected = set(range(1, args.updates + 1))

            def complete(_: object) -> bool:
                return all(received(bot, chat) == expected for chat in chat_ids)

            with contextlib.suppress(TimeoutError):
                await bot.fake.wait_for(complete, 300)
            await run.stop()
            routed = sum(bot.outbox(state, ALERT) for state in ("sent", "pending", "failed"))
            # A send whose answer never came (a timeout) is retried: in flight, but not at a kill.
            retried = bot.outbox_retried(ALERT)
        lost = sum(len(expected - received(bot, chat)) for chat in chat_ids)
        total = args.chats * args.updates
        duplicated = bot.accepted(ALERT) - (total - lost)
    print(f"{total} alerts, {args.kills} kills: {lost} lost, {duplicated} duplicated, "
          f"{sum(per_kill)} in flight at the kills")
    print(json.dumps({"bench": "crash", "alerts": total, "kills": args.kills,
                      "in_flight_per_kill": per_kill, "in_flight": sum(per_kill),
                      "lost": lost, "duplicated": duplicated, "routed": routed,
                      "retried_after_error": retried,
                      "ok": lost == 0 and duplicated <= sum(per_kill) + retried}))


if __name__ == "__main__":
    asyncio.run(main())
