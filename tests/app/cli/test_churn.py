"""Pages that change under a follower: the real `storywatch watch --json` against a loopback
page stepping through versions, on SQLite and on PostgreSQL. Each step alerts exactly the
updates it added: no old update is ever alerted again, whatever the page does to it."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database
from storage.times import from_epoch
from tests.app.cli.runner import cli_env, start
from tests.fakes.web import WebServer

FAST = {
    "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
    "STORYWATCH_SCHEDULE__INTERVAL": "0.15",
    "STORYWATCH_SCHEDULE__MIN_INTERVAL": "0.1",
    "STORYWATCH_SCHEDULE__MAX_INTERVAL": "0.3",
    "STORYWATCH_SCHEDULE__TICK": "0.1",
}
WAIT = 30.0

A = "Ferries between the islands have stopped for the rest of the day."
B = "The coastguard has asked people to stay away from the harbour walls."
C = "Winds of more than 90 mph were recorded on the headland this morning."
D = "Rail services on the coast line have been suspended until further notice."
E = "Emergency shelters have opened in three schools in the north of the county."
F = "The Met Office has raised its warning to amber for the whole region tonight."
G = "Power has been cut to about 20,000 homes, the network operator says."
H = "The storm has been given a name by the national weather service this hour."
PINNED = "Pinned: what we know so far about the storm and where it is heading next."
TYPO = "The coastguard has asked people to stay away from the harbur walls."
DATELINE = "Saturday 3 February 2024"


@dataclass(frozen=True)
class Post:
    """One update as the page shows it: its stamp (a clock, an age, an ISO time) and text."""

    stamp: str
    text: str
    modified: str | None = None


@dataclass(frozen=True)
class Step:
    """A version of the page and the texts it must alert, oldest first."""

    posts: tuple[Post, ...]
    alerts: tuple[str, ...] = ()
    dateline: str = ""


def clock_page(step: Step) -> str:
    """Updates as blocks with a shown time and no id, the date (if any) once above them."""
    blocks = "".join(f'<div class="update"><span class="time">{post.stamp}</span>'
                     f"<p>{html.escape(post.text)}</p></div>" for post in step.posts)
    head = f'<p class="dateline">{step.dateline}</p>' if step.dateline else ""
    return ("<!doctype html><html lang='en'><head><title>Storm live</title></head><body><main>"
            f"<h1>Storm live</h1>{head}{blocks}</main></body></html>")


def structured_page(step: Step) -> str:
    """LiveBlogPosting JSON-LD without ids (stamps are ISO times), and the same list shown."""
    items = [{"@type": "BlogPosting", "datePublished": f"{post.stamp}:00+00:00",
              "dateModified": f"{post.modified or post.stamp}:00+00:00", "articleBody": post.text}
             for post in step.posts]
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
               "headline": "Storm live", "liveBlogUpdate": items}
    blocks = "".join(f'<article class="post"><p>{html.escape(post.text)}</p></article>'
                     for post in step.posts)
    return ("<!doctype html><html><head><title>Storm live</title>"
            f'<script type="application/ld+json">{json.dumps(posting)}</script></head>'
            f"<body><h1>Storm live</h1>{blocks}</body></html>")


def posts(*pairs: tuple[str, str]) -> tuple[Post, ...]:
    return tuple(Post(stamp, text) for stamp, text in pairs)


THREE = (("05:00", A), ("04:30", B), ("04:00", C))
LATE = (("23:50", A), ("23:40", B), ("23:30", C))
SIX = (("06:00", A), ("05:30", B), ("05:00", C), ("04:30", D), ("04:00", E), ("03:30", F))


def aged(*pairs: tuple[int, str]) -> tuple[Post, ...]:
    """Posts stamped with their age in minutes, as "N minutes ago" (from 60, in hours)."""
    return tuple(Post(f"{age} minutes ago" if age < 60 else f"{age // 60} hour ago", text)
                 for age, text in pairs)


SCENARIOS: dict[str, tuple[Callable[[Step], str], tuple[Step, ...]]] = {
    "pinned post, no date": (clock_page, (
        Step(posts(*THREE)),
        Step(posts(("04:15", PINNED), *THREE), (PINNED,)),
        Step(posts(("05:30", D), ("04:15", PINNED), *THREE), (D,)),
    )),
    "pinned post under a date line": (clock_page, (
        Step(posts(*THREE), dateline=DATELINE),
        Step(posts(("04:15", PINNED), *THREE), (PINNED,), DATELINE),
        Step(posts(("05:30", D), ("04:15", PINNED), *THREE), (D,), DATELINE),
    )),
    "old update repeated at the top": (clock_page, (
        Step(posts(*THREE)),
        Step(posts(("04:00", C), *THREE)),
        Step(posts(("05:30", D), ("04:00", C), *THREE), (D,)),
    )),
    "page turns oldest first": (clock_page, (
        Step(posts(*THREE)),
        Step(posts(*THREE[::-1])),
        Step(posts(*THREE[::-1], ("05:30", D)), (D,)),
    )),
    "date line appears later": (clock_page, (
        Step(posts(*THREE)),
        Step(posts(*THREE), dateline=DATELINE),
        Step(posts(("05:30", D), *THREE), (D,), DATELINE),
    )),
    "typo fixed in an old update": (clock_page, (
        Step(posts(("05:00", A), ("04:30", TYPO), ("04:00", C))),
        Step(posts(*THREE)),
        Step(posts(("05:30", D), *THREE), (D,)),
    )),
    "oldest drop off and come back": (clock_page, (
        Step(posts(*SIX)),
        Step(posts(("06:30", G), *SIX[:4]), (G,)),
        Step(posts(("06:30", G), *SIX)),
        Step(posts(("07:00", H), ("06:30", G), *SIX), (H,)),
    )),
    "relative ages tick": (clock_page, (
        Step(aged((5, A), (20, B), (50, C))),
        Step(aged((10, A), (25, B), (55, C))),
        Step(aged((1, D), (15, A), (30, B), (60, C)), (D,)),
        Step(aged((6, D), (20, A), (35, B), (65, C))),
        Step(aged((2, E), (11, D), (25, A), (40, B), (70, C)), (E,)),
    )),
    "new update past midnight, no date": (clock_page, (
        Step(posts(*LATE)),
        Step(posts(("00:05", D), *LATE), (D,)),
        Step(posts(("00:20", E), ("00:05", D), *LATE), (E,)),
    )),
    "short lines repeated at other times": (clock_page, (
        Step(posts(("04:30", "No update"), ("04:00", "No update"), ("03:30", A))),
        Step(posts(("05:00", "No update"), ("04:30", "No update"), ("04:00", "No update"),
                   ("03:30", A)), ("No update",)),
        Step(posts(("05:30", D), ("05:00", "No update"), ("04:30", "No update"),
                   ("04:00", "No update"), ("03:30", A)), (D,)),
    )),
    "structured page bumps an edited update": (structured_page, (
        Step(posts(("2024-02-03T10:20", A), ("2024-02-03T10:10", B), ("2024-02-03T10:00", C))),
        Step((Post("2024-02-03T10:10", B + " Two piers are closed.", "2024-02-03T10:40"),
              *posts(("2024-02-03T10:20", A), ("2024-02-03T10:00", C)))),
        Step((*posts(("2024-02-03T10:50", D)),
              Post("2024-02-03T10:10", B + " Two piers are closed.", "2024-02-03T10:40"),
              *posts(("2024-02-03T10:20", A), ("2024-02-03T10:00", C))), (D,)),
    )),
}


Databases = Callable[[], Awaitable[dict[str, str]]]


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Databases:
    """Makes the environment of one `watch` on a fresh database of each backend in turn
    (PostgreSQL: a database of the session's cluster)."""
    numbers = itertools.count()

    async def fresh() -> dict[str, str]:
        if request.param == "postgresql":
            url: str = await request.getfixturevalue("postgres").new_database()
            # Two connections each: eleven processes with ten each would crowd the cluster.
            return cli_env(tmp_path, STORYWATCH_STORAGE__URL=url,
                           STORYWATCH_STORAGE__POOL_SIZE="2", **FAST)
        return cli_env(tmp_path, STORYWATCH_STORAGE__PATH=str(tmp_path / f"{next(numbers)}.db"),
                       **FAST)
    return fresh


async def run_steps(server: WebServer, path: str, env: dict[str, str],
                    render: Callable[[Step], str], steps: Sequence[Step]) -> list[list[str]]:
    """Serve each step in turn at `path` to one `watch`, after a check of the one before; the
    texts alerted at each step (read when expected, and whatever is left at the end)."""
    url = server.set(path, render(steps[0]))
    process = await start("watch", url, "--json", env=env)
    assert process.stdout is not None
    seen: list[list[str]] = [[]]
    try:
        await server.fetched_again(path, within=WAIT)
        for step in steps[1:]:
            server.set(path, render(step))
            await server.fetched_again(path, within=WAIT)
            lines = [await asyncio.wait_for(process.stdout.readline(), WAIT) for _ in step.alerts]
            seen.append([json.loads(line)["entry"]["text"] for line in lines if line])
        await server.fetched_again(path, within=WAIT)
        process.terminate()
        rest, _ = await asyncio.wait_for(process.communicate(), WAIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    seen[-1] += [json.loads(line)["entry"]["text"] for line in rest.decode().splitlines()]
    return seen


@pytest.mark.timeout(150)  # eleven `watch` processes: a loaded machine starts them slowly
async def test_each_step_alerts_exactly_its_new_updates(databases: Databases,
                                                        web_server: WebServer) -> None:
    """Every step of every scenario alerts what it added, once; no old update comes back as
    news. The scenarios run side by side, each its own `watch` on its own database."""
    envs = [await databases() for _ in SCENARIOS]  # one at a time: the cluster's template
    alerted = await asyncio.gather(*(
        run_steps(web_server, f"/live/{number}", env, render, steps)
        for number, (env, (render, steps)) in enumerate(zip(envs, SCENARIOS.values(),
                                                            strict=True))))
    assert dict(zip(SCENARIOS, alerted, strict=True)) == {
        name: [list(step.alerts) for step in steps] for name, (_, steps) in SCENARIOS.items()}


async def test_a_date_line_appearing_later_moves_known_updates_to_its_day(
        databases: Databases, web_server: WebServer) -> None:
    """Time-only updates first dated by the fetch day (the page gave no date) move to the day
    the page's date line names once it appears, and none is alerted again."""
    env = await databases()
    render, steps = SCENARIOS["date line appears later"]
    alerted = await run_steps(web_server, "/live/dated", env, render, steps)
    assert alerted == [list(step.alerts) for step in steps]
    async with Database.open(env.get("STORYWATCH_STORAGE__URL")
                             or env["STORYWATCH_STORAGE__PATH"]) as db:
        rows = await db.fetch_all("SELECT text, published_at FROM entries")
    assert {row["text"]: from_epoch(row["published_at"]) for row in rows} == {
        text: datetime(2024, 2, 3, int(stamp[:2]), int(stamp[3:]), tzinfo=UTC)
        for stamp, text in (("05:30", D), *THREE)}
