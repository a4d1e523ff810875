"""The bundled live story of `storywatch demo`: served on loopback, gaining an update every few s.

The story is data (`bot/app/demo_story/story.json`). The page shows the first
`initial` updates at once and reveals the next one every `reveal_every`
seconds, newest first, as a live blog with schema.org `LiveBlogPosting`
JSON-LD and visible blocks with `<time>`, as real publishers do.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

from aiohttp import web

INITIAL_SPACING = timedelta(minutes=12)
"""How far apart the updates already on the page at start were posted."""


@dataclass(frozen=True, slots=True)
class DemoUpdate:
    """One update of the demo story."""

    headline: str
    text: str


@dataclass(frozen=True, slots=True)
class DemoStory:
    """The demo story: its updates oldest first, of which `initial` are on the page at start."""

    title: str
    publisher: str
    intro: str
    initial: int
    updates: tuple[DemoUpdate, ...]


def load_story() -> DemoStory:
    """The bundled demo story."""
    data = json.loads(
        resources.files("bot.app").joinpath("demo_story/story.json").read_text(encoding="utf-8")
    )
    updates = tuple(DemoUpdate(u["headline"], u["text"]) for u in data["updates"])
    return DemoStory(data["title"], data["publisher"], data["intro"], data["initial"], updates)


def shown_updates(
    story: DemoStory, start: datetime, now: datetime, reveal_every: float
) -> list[tuple[int, DemoUpdate, datetime]]:
    """The updates on the page at `now`, newest first, as (number, update, published time)."""
    elapsed = max((now - start).total_seconds(), 0.0)
    revealed = math.floor(elapsed / reveal_every) if reveal_every > 0 else 0
    count = min(story.initial + revealed, len(story.updates))
    shown = []
    for index in range(count):
        if index < story.initial:
            published = start - INITIAL_SPACING * (story.initial - index)
        else:
            published = start + timedelta(seconds=reveal_every * (index - story.initial + 1))
        shown.append((index + 1, story.updates[index], published.replace(microsecond=0)))
    return shown[::-1]


def render_page(story: DemoStory, shown: list[tuple[int, DemoUpdate, datetime]], url: str) -> str:
    """The live page's HTML for the updates shown (newest first)."""
    posting = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": story.title,
        "url": url,
        "publisher": {"@type": "Organization", "name": story.publisher},
        "liveBlogUpdate": [
            {"@type": "BlogPosting", "@id": f"{url}#update-{number}",
             "url": f"{url}#update-{number}", "headline": update.headline,
             "articleBody": update.text,
             "datePublished": published.isoformat()}
            for number, update, published in shown
        ],
    }
    blocks = "\n".join(
        f'<article class="update" id="update-{number}">'
        f'<time datetime="{published.isoformat()}">{published:%H:%M} GMT</time>'
        f"<h2>{html.escape(update.headline)}</h2><p>{html.escape(update.text)}</p></article>"
        for number, update, published in shown
    )
    ld = json.dumps(posting, ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(story.title)}</title>"
        f'<link rel="canonical" href="{html.escape(url)}">'
        f'<script type="application/ld+json">{ld}</script></head>'
        f"<body><main><h1>{html.escape(story.title)}</h1><p>{html.escape(story.intro)}</p>"
        f'<section class="live">{blocks}</section></main></body></html>'
    )


class DemoServer:
    """Serves the demo story at `url` on 127.0.0.1 (a free port); `async with` runs it."""

    def __init__(self, story: DemoStory, *, reveal_every: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._story = story
        self._reveal_every = reveal_every
        self._clock = clock
        self._start: datetime | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> DemoServer:
        app = web.Application()
        app.router.add_get("/live/storm-halden", self._page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/live/storm-halden"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _page(self, request: web.Request) -> web.Response:
        # The story starts when it is first read: however long the watcher takes to start,
        # its first check sees the initial updates and each later one is new to it.
        if self._start is None:
            self._start = self._clock()
        shown = shown_updates(self._story, self._start, self._clock(), self._reveal_every)
        return web.Response(text=render_page(self._story, shown, self.url),
                            content_type="text/html", charset="utf-8")
