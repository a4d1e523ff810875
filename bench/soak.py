"""Bench: a soak, as an operator would run one before trusting the bot with real chats.

One real `storywatch run` (a subprocess) on SQLite or PostgreSQL, a fake platform on
loopback (Telegram's Bot API, tests.fakes.telegram_api, or Discord's REST and gateway,
tests.fakes.discord_api), loopback live pages (tests.fakes.stories), chats of every kind
(Telegram: private, group, supergroup; Discord: channels of one guild) following some
pages each, two of them with a keyword filter; then a Poisson stream of new updates on
the pages for `--seconds`, and a drain: the wait until every alert due has arrived.

It runs twice, side by side: without faults, then with the issue's fault mix (seeded):
Telegram 10 % 429 (retry_after 1), 5 % 502, 3 % a 10 s hang then 502, one outage of
every call; Discord 10 % a route's 429, 1 % a global 429, 5 % 502, 3 % a hang then
502, one outage, one gateway close (4000) that the client resumes, and every
channel's bucket of 5 messages per 5 s enforced.

Figures per run: expected alerts, delivered, lost, sent twice, wrongly filtered
(a filtered chat got an update without its word), per-chat order violations (a
story's updates out of order in one chat), latency from the update's publication to
the platform's acceptance (p50, p95, max), RSS growth of the bot's process,
tracebacks in its log; on Discord also requests past a bucket and the most requests
in any one second. Prints one line per run, then one JSON object.

    .venv/bin/python bench/soak.py                       # Telegram, SQLite, ~4 min
    .venv/bin/python bench/soak.py --platform discord --database postgresql
    .venv/bin/python bench/soak.py --full                # the issue's size: 100 pages,
                                                         # 30 chats x 10, 4/s for 150 s
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import random
import re
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.model import ChatRef
from bot.edges.urls import normalize_url
from storage import Database, chats, filters, stories, subscriptions
from tests.app.cli.runner import cli_env, start
from tests.fakes.faults import FaultMix, Faults
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

SHOW_LOG = False
"""Print the bot's log of each run on stderr (it is printed anyway when it has a traceback)."""
LABEL = re.compile(r"\bU(\d+)x(\d+)\b")
WORD = "lighthouse"
TELEGRAM_MIX = FaultMix(rate_limited=0.10, retry_after=1, server_error=0.05, hang=0.03,
                        hang_seconds=10)
DISCORD_MIX = FaultMix(rate_limited=0.10, retry_after=1, global_rate_limited=0.01,
                       server_error=0.05, hang=0.03, hang_seconds=10)
SENTENCES = ("Officials said more details would follow within the hour.",
             "Witnesses described long queues at the border crossing.",
             "The ministry has not yet confirmed the figures.",
             "Crews worked through the night to restore power.")


@dataclass(frozen=True)
class Load:
    """How big a soak is."""

    pages: int = 30
    chats: int = 30
    follow: int = 6
    rate: float = 1.0
    seconds: float = 75.0
    outage_at: float = 25.0
    outage_seconds: float = 20.0
    drain_limit: float = 180.0
    seed: int = 27
    interval: float = 2.0


class Platform(Protocol):
    """A fake platform the soak drives: its chats, its settings for the bot, what it took."""

    name: str

    def chats(self, count: int) -> list[tuple[ChatRef, str]]: ...

    def env(self) -> dict[str, str]: ...

    def arm(self, faults: Faults | None) -> None: ...

    def accepted(self) -> list[tuple[str, str, float]]: ...

    def extra(self) -> dict[str, Any]: ...

    async def ready(self) -> None: ...


class TelegramSide:
    """The fake Bot API: 2/3 private chats, 1/6 groups, 1/6 supergroups."""

    name = "telegram"

    def __init__(self) -> None:
        from tests.fakes.telegram_api import TelegramApiServer
        self.fake = TelegramApiServer()

    async def __aenter__(self) -> TelegramSide:
        await self.fake.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.fake.__aexit__(*exc)

    def chats(self, count: int) -> list[tuple[ChatRef, str]]:
        groups = max(1, count // 6)
        made = []
        for n in range(count):
            if n < count - 2 * groups:
                made.append((ChatRef("telegram", str(5000 + n)), "private"))
            elif n < count - groups:
                made.append((ChatRef("telegram", str(-6000 - n)), "group"))
            else:
                made.append((ChatRef("telegram", str(-1007000000000 - n)), "supergroup"))
        return made

    def env(self) -> dict[str, str]:
        return {"STORYWATCH_TELEGRAM__TOKEN": self.fake.token,
                "STORYWATCH_TELEGRAM__BASE_URL": self.fake.base_url,
                "STORYWATCH_TELEGRAM__POLL_TIMEOUT": "2"}

    def arm(self, faults: Faults | None) -> None:
        self.fake.faults = faults

    def accepted(self) -> list[tuple[str, str, float]]:
        return [(chat, message["text"], self.fake.accepted_at[(chat, number)])
                for (chat, number), message in self.fake.messages.items()]

    def extra(self) -> dict[str, Any]:
        return {}

    async def ready(self) -> None:
        await self.fake.wait_for(lambda _: bool(self.fake.calls_to("getUpdates")), 30)


class DiscordSide:
    """The fake Discord: one guild's text channels, every bucket enforced."""

    name = "discord"

    def __init__(self, count: int) -> None:
        from tests.fakes.discord_api import FakeDiscord
        self.ids = tuple(str(1300000000000000000 + n) for n in range(count))
        self.fake = FakeDiscord(channel_ids=self.ids)
        self.fake.rest.enforce_buckets = True
        self._closed = False

    async def __aenter__(self) -> DiscordSide:
        await self.fake.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.fake.__aexit__(*exc)

    def chats(self, count: int) -> list[tuple[ChatRef, str]]:
        return [(ChatRef("discord", channel), "channel") for channel in self.ids[:count]]

    def env(self) -> dict[str, str]:
        return {"STORYWATCH_DISCORD__TOKEN": self.fake.token,
                "STORYWATCH_DISCORD__API_BASE": self.fake.api_base,
                "STORYWATCH_DISCORD__GATEWAY_URL": self.fake.gateway_url}

    def arm(self, faults: Faults | None) -> None:
        self.fake.rest.faults = faults
        if faults is not None:
            asyncio.get_running_loop().call_later(
                (faults.mix.outage_at or 0) / 2,
                lambda: asyncio.ensure_future(self.fake.gateway.drop(code=4000)))

    def accepted(self) -> list[tuple[str, str, float]]:
        return [(message["channel_id"], json.dumps(message), self.fake.rest.accepted_at[key])
                for key, message in self.fake.messages.items()]

    def extra(self) -> dict[str, Any]:
        arrivals = sorted(self.fake.arrivals)
        busiest = max((_in_window(arrivals, n) for n in range(len(arrivals))), default=0)
        return {"past_bucket": self.fake.rest.past_bucket, "most_requests_in_1s": busiest,
                "gateway_resumes": len(self.fake.gateway.ops(6))}

    async def ready(self) -> None:
        await self.fake.wait_until(lambda: bool(self.fake.commands), 30)


def _in_window(times: list[float], start: int) -> int:
    """How many of the sorted `times` fall in the second from `times[start]`."""
    end = start
    while end < len(times) and times[end] < times[start] + 1.0:
        end += 1
    return end - start


@dataclass
class Truth:
    """What was published, and who should hear of it."""

    posted: dict[tuple[int, int], float] = field(default_factory=dict)
    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    followers: dict[int, list[str]] = field(default_factory=dict)
    filtered: set[str] = field(default_factory=set)
    kinds: dict[str, str] = field(default_factory=dict)

    def expected(self) -> set[tuple[str, tuple[int, int]]]:
        return {(chat, key) for key in self.posted for chat in self.followers[key[0]]
                if chat not in self.filtered or WORD in self.texts[key]}


async def seed(target: str, platform: Platform, pages: list[LiveStory], load: Load,
               picker: random.Random) -> Truth:
    """Chats, their subscriptions (`load.follow` pages each) and two keyword filters."""
    truth = Truth(followers={n: [] for n in range(len(pages))})
    now = datetime.now(UTC)
    async with Database.open(target) as db, db.write() as tx:
        ids = [(await stories.add(tx, normalize_url(page.url), now=now,
                                  interval=load.interval)).id for page in pages]
        for number, (ref, kind) in enumerate(platform.chats(load.chats)):
            chat = await chats.ensure(tx, ref, now=now, kind=kind)
            truth.kinds[ref.chat_id] = kind
            for page in picker.sample(range(len(pages)), load.follow):
                await subscriptions.subscribe(tx, chat.id, ids[page], now=now)
                truth.followers[page].append(ref.chat_id)
            if number in (1, load.chats - 1):
                await filters.add(tx, chat.id, None, "include", [WORD], now=now)
                truth.filtered.add(ref.chat_id)
    return truth


async def stream(pages: list[LiveStory], truth: Truth, load: Load, rng: random.Random) -> None:
    """Post updates on random pages, a Poisson stream of `load.rate` a second."""
    loop = asyncio.get_running_loop()
    end = loop.time() + load.seconds
    counts = [len(page.posts) for page in pages]
    while (pause := rng.expovariate(load.rate)) < end - loop.time():
        await asyncio.sleep(pause)
        page = rng.randrange(len(pages))
        counts[page] += 1
        key = (page, counts[page])
        text = (f"U{page}x{counts[page]} {rng.choice(SENTENCES)}"
                + (f" The {WORD} was lit again." if rng.random() < 0.25 else ""))
        pages[page].post(text, headline=f"U{page}x{counts[page]} update")
        truth.posted[key] = loop.time()
        truth.texts[key] = text


def rss_mib(pid: int) -> float:
    """The process's resident memory (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def score(truth: Truth, accepted: list[tuple[str, str, float]],
          quiet_after: float | None = None) -> dict[str, Any]:
    """The figures of one run from what the platform took; with `quiet_after` (when the
    outage and its wake are over), also the latency of alerts published after it."""
    seen: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    first: dict[tuple[str, tuple[int, int]], float] = {}
    order: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
    for chat, text, at in sorted(accepted, key=lambda item: item[2]):
        for page, number in {(int(a), int(b)) for a, b in LABEL.findall(text)}:
            key = (chat, (page, number))
            seen[key] += 1
            first.setdefault(key, at)
            if seen[key] == 1:
                order[(chat, page)].append((at, number))
    expected = truth.expected()
    latencies = [first[key] - truth.posted[key[1]] for key in expected if key in first]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for key in expected & first.keys():
        by_kind[truth.kinds[key[0]]].append(first[key] - truth.posted[key[1]])
    if quiet_after is not None:
        by_kind["after_outage"] = [first[key] - truth.posted[key[1]]
                                   for key in expected & first.keys()
                                   if truth.posted[key[1]] > quiet_after]
    violations = sum(1 for sends in order.values()
                     for (_, a), (_, b) in itertools.pairwise(sends) if b < a)
    return {
        "expected": len(expected),
        "delivered": len(expected & first.keys()),
        "lost": len(expected - first.keys()),
        "sent_twice": sum(1 for count in seen.values() if count > 1),
        "wrongly_filtered": len(first.keys() - expected),
        "order_violations": violations,
        "p50_s": round(percentile(latencies, 0.5), 2),
        "p95_s": round(percentile(latencies, 0.95), 2),
        "max_s": round(max(latencies, default=math.nan), 2),
        **{f"p50_{kind}_s": round(percentile(values, 0.5), 2)
           for kind, values in sorted(by_kind.items())},
    }


def bot_env(folder: Path, platform: Platform, load: Load, database: str | None) -> dict[str, str]:
    settings = {
        **platform.env(),
        "STORYWATCH_FETCH__ALLOW_PRIVATE_NETWORKS": "true",
        "STORYWATCH_SCHEDULE__INTERVAL": str(load.interval),
        "STORYWATCH_SCHEDULE__MIN_INTERVAL": str(load.interval),
        "STORYWATCH_SCHEDULE__MAX_INTERVAL": str(load.interval),
        "STORYWATCH_SCHEDULE__TICK": "0.5",
    }
    if database is not None:
        settings["STORYWATCH_STORAGE__URL"] = database
    return cli_env(folder, **settings)


async def one_run(platform: Platform, load: Load, faults: bool, folder: Path,
                  database: str | None) -> dict[str, Any]:
    """A soak of `load` against `platform`, with the fault mix when `faults`."""
    loop = asyncio.get_running_loop()
    rng = random.Random(load.seed)
    async with WebServer() as web:
        pages = [LiveStory(web, f"/live/{n}", title=f"Live story {n}") for n in range(load.pages)]
        for page in pages:
            page.post("Before anyone subscribed.")
        target = database or str(folder / "storywatch.db")
        truth = await seed(target, platform, pages, load, rng)
        process = await start("run", env=bot_env(folder, platform, load, database))
        assert process.stderr is not None
        errors = asyncio.ensure_future(process.stderr.read())
        try:
            await platform.ready()
            async with asyncio.timeout(60):
                while min(web.hits[page.path] for page in pages) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
            rss_before = rss_mib(process.pid)
            if faults:
                mix = TELEGRAM_MIX if platform.name == "telegram" else DISCORD_MIX
                mix = FaultMix(**{**_fields(mix), "outage_at": load.outage_at,
                                  "outage_seconds": load.outage_seconds})
                platform.arm(Faults(mix, load.seed, loop.time()))
            began = loop.time()
            await stream(pages, truth, load, rng)
            await drain(platform, truth, load)
            drained = loop.time() - began - load.seconds
            await asyncio.sleep(3)  # late repeats, if any, arrive too
            rss_after = rss_mib(process.pid)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
            log = (await errors).decode(errors="replace")
            platform.arm(None)
    quiet = began + load.outage_at + load.outage_seconds + 15 if faults else None
    figures = score(truth, platform.accepted(), quiet)
    figures.update(platform.extra())
    figures.update(drain_s=round(drained, 1), rss_growth_mib=round(rss_after - rss_before, 1),
                   tracebacks=log.count("Traceback"), log_lines=len(log.splitlines()),
                   exit_status=process.returncode)
    if figures["tracebacks"] or SHOW_LOG:
        print(log, file=sys.stderr)
    return figures


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


async def drain(platform: Platform, truth: Truth, load: Load) -> None:
    """Wait until every expected alert arrived, or `load.drain_limit` seconds."""
    deadline = time.monotonic() + load.drain_limit
    expected = truth.expected()
    while time.monotonic() < deadline:
        got = {(chat, (int(a), int(b))) for chat, text, _ in platform.accepted()
               for a, b in LABEL.findall(text)}
        if expected <= got:
            return
        await asyncio.sleep(0.5)


@asynccontextmanager
async def platform_for(name: str, load: Load) -> AsyncIterator[Platform]:
    side: TelegramSide | DiscordSide = TelegramSide() if name == "telegram" \
        else DiscordSide(load.chats)
    async with side:
        yield side


async def soak(platform: str, load: Load, *, faults: bool, database: str | None = None,
               folder: Path | None = None) -> dict[str, Any]:
    """One run; `database` a PostgreSQL URL, else SQLite in `folder` (or a temporary one)."""
    async with AsyncExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        side = await stack.enter_async_context(platform_for(platform, load))
        return await one_run(side, load, faults, folder, database)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    load = Load(pages=args.pages, chats=args.chats, follow=args.follow, rate=args.rate,
                seconds=args.seconds, outage_at=args.seconds / 3,
                outage_seconds=args.outage, seed=args.seed)
    report: dict[str, Any] = {"platform": args.platform, "database": args.database,
                              "load": _fields(load)}
    with ExitStack() as stack:
        postgres = None
        if args.database == "postgresql":
            from tests.postgres import cluster
            postgres = stack.enter_context(cluster())
        for name, faults in (("no_faults", False), ("faults", True)):
            url = await postgres.new_database() if postgres is not None else None
            figures = await soak(args.platform, load, faults=faults, database=url)
            report[name] = figures
            print(f"{args.platform} {args.database} {name}: " + " ".join(
                f"{key}={value}" for key, value in figures.items()), flush=True)
    report["floors"] = floors(report["no_faults"], report["faults"], load, args.platform)
    return report


def floors(calm: dict[str, Any], faulty: dict[str, Any], load: Load, platform: str
           ) -> dict[str, bool]:
    """The issue's floors, each met or not, for the run with faults beside the one without."""
    met = {
        "none_lost_twice_misfiltered_or_out_of_order": all(
            faulty[key] == 0 for key in ("lost", "sent_twice", "wrongly_filtered",
                                         "order_violations")),
        "p50": faulty["p50_s"] <= max(2 * calm["p50_s"], calm["p50_s"] + 2),
        "p95": faulty["p95_s"] <= calm["p95_s"] + load.outage_seconds + 10,
        "no_traceback": faulty["tracebacks"] == 0 and calm["tracebacks"] == 0,
        "rss_growth_under_50_mib": max(faulty["rss_growth_mib"], calm["rss_growth_mib"]) < 50,
    }
    if platform == "discord":
        met["within_buckets_and_50_per_s"] = all(
            run["past_bucket"] == 0 and run["most_requests_in_1s"] <= 50
            for run in (calm, faulty))
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--platform", choices=("telegram", "discord"), default="telegram")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--follow", type=int, default=6, help="pages each chat follows")
    parser.add_argument("--rate", type=float, default=1.0, help="new updates a second, in all")
    parser.add_argument("--seconds", type=float, default=75.0, help="how long updates come")
    parser.add_argument("--outage", type=float, default=20.0, help="the outage's seconds")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--full", action="store_true",
                        help="the issue's size: 100 pages, chats follow 10, 4/s for 150 s")
    parser.add_argument("--show-log", action="store_true", help="print the bot's log of each run")
    args = parser.parse_args()
    global SHOW_LOG
    SHOW_LOG = args.show_log
    if args.full:
        args.pages, args.follow, args.rate, args.seconds = 100, 10, 4.0, 150.0
    report = asyncio.run(main_async(args))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
