"""`storywatch watch --json` follows its story to the next page: the real command line against
loopback pages. The watched live page closes with a link to the page that continues it; the
watch prints one notice naming it, then the next page's new updates, through its filters."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.app.cli.test_watch import WAIT, blocks_page, update, watching
from tests.fakes.web import WebServer


async def hits_grow(server: WebServer, path: str, times: int) -> None:
    """Wait until `path` was fetched `times` more times (a check of it has completed)."""
    target = server.hits[path] + times
    async with asyncio.timeout(WAIT):
        # The fake server counts hits but signals none; a short poll, bounded by WAIT.
        while server.hits[path] < target:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_watch_follows_a_closed_page_to_its_successor(web_server: WebServer,
                                                            tmp_path: Path) -> None:
    base = [update(2, "Storm reaches the coast."), update(1, "Storm forms at sea.")]
    async with watching(web_server, tmp_path, base, "--include", "storm",
                        render=blocks_page) as watch:
        nxt = [update(11, "Storm day two begins."), update(10, "Storm warning renewed.")]
        web_server.set("/live-2", blocks_page(nxt))
        closing = ('<p>This blog is now closed. <a href="/live-2">Follow our new live blog</a>'
                   "</p>")
        web_server.set("/live", blocks_page(base).replace("<main>", f"<main>{closing}", 1))
        notice = await watch.line()
        assert notice["link"] == web_server.url("/live-2")
        assert "The story continues at" in notice["notice"]
        web_server.set("/live-2", blocks_page([update(13, "Storm passes inland."),
                                               update(12, "Ferries run again."), *nxt]))
        [line] = await watch.lines(1)
        assert line["entry"]["text"] == "Storm passes inland."  # "ferries" is filtered out
        assert line["story"]["url"] == web_server.url("/live-2")
        hits = web_server.hits["/live"]
        await hits_grow(web_server, "/live-2", 3)
        assert web_server.hits["/live"] == hits
        status, _ = await watch.stop()
    assert status == 0
