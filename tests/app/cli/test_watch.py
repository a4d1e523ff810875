"""`storywatch watch --json`: the real command line against live stories served on loopback."""

from __future__ import annotations

import asyncio
import html
import json
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.app.cli.runner import cli_env, start, storywatch
from tests.fakes.web import WebServer

FAST = {
    "STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
    "STORYWATCH_SCHEDULE__INTERVAL": "0.2",
    "STORYWATCH_SCHEDULE__MIN_INTERVAL": "0.1",
    "STORYWATCH_SCHEDULE__MAX_INTERVAL": "0.4",
    "STORYWATCH_SUMMARY__MAX_CHARS": "80",
}
WAIT = 10.0


@dataclass(frozen=True)
class Update:
    """One update of a test story: its id, ISO time (UTC, minute precision) and text."""

    id: str
    time: str
    text: str
    headline: str | None = None


def json_ld_page(updates: Sequence[Update]) -> str:
    """A live blog with schema.org LiveBlogPosting JSON-LD, newest first."""
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
               "headline": "Storm live", "liveBlogUpdate": [
                   {"@type": "BlogPosting", "@id": f"#{u.id}", "headline": u.headline,
                    "datePublished": f"{u.time}:00+00:00", "articleBody": u.text}
                   for u in updates]}
    blocks = "".join(f'<article id="{u.id}"><p>{html.escape(u.text)}</p></article>'
                     for u in updates)
    return (f'<!doctype html><html><head><title>Storm live</title><script type="application/ld+json">'
            f"{json.dumps(posting)}</script></head><body><h1>Storm live</h1>{blocks}</body></html>")


def blocks_page(updates: Sequence[Update]) -> str:
    """A live blog of repeated HTML blocks, each with a <time>."""
    blocks = "".join(
        f'<article class="post" id="{u.id}"><time datetime="{u.time}:00Z">{u.time[11:]}</time>'
        f"<p>{html.escape(u.text)}</p></article>" for u in updates)
    return (f"<!doctype html><html><head><title>Budget live</title></head><body><main>"
            f"<h1>Budget day live</h1>{blocks}</main></body></html>")


def text_page(updates: Sequence[Update]) -> str:
    """Timestamped paragraphs like the seed: the date only on the newest update."""
    lines = ["Storm live", "", "from Demo:", "",
             "An introduction long enough to read as prose about the storm and its path.", ""]
    for index, u in enumerate(updates):
        if index == 0:
            lines += ["  • 03 February 2024", "", f"    {u.time[11:]} GMT", ""]
        else:
            lines += [f"  • {u.time[11:]} GMT", ""]
        lines += [f"    {u.text}", ""]
    return "\n".join(lines)


def update(n: int, text: str | None = None, headline: str | None = None) -> Update:
    return Update(f"u{n}", f"2024-02-03T{10 + n // 60:02d}:{n % 60:02d}",
                  text or f"Update number {n} reports a distinct development {n} today.", headline)


class Watch:
    """A running `storywatch watch` process and the page it watches."""

    def __init__(self, process: asyncio.subprocess.Process, server: WebServer, path: str,
                 render: Callable[[Sequence[Update]], str], content_type: str) -> None:
        self.process = process
        self._server = server
        self._path = path
        self._render = render
        self._type = content_type

    def show(self, updates: Sequence[Update]) -> None:
        self._server.set(self._path, self._render(updates), self._type)

    async def checked(self, times: int = 2) -> None:
        """Wait until the page was fetched `times` more times (so a check is complete)."""
        target = self._server.hits[self._path] + times
        async with asyncio.timeout(WAIT):
            # The fake server counts hits but signals none; a short poll, bounded by WAIT.
            while self._server.hits[self._path] < target:  # noqa: ASYNC110
                await asyncio.sleep(0.02)

    async def line(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.process.stdout.readline(), WAIT)  # type: ignore[union-attr]
        assert raw, "watch ended without printing"
        return json.loads(raw)

    async def lines(self, count: int) -> list[dict[str, Any]]:
        return [await self.line() for _ in range(count)]

    async def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        _, err = await asyncio.wait_for(self.process.communicate(), WAIT)
        assert self.process.returncode is not None
        return self.process.returncode, err.decode()


@asynccontextmanager
async def watching(server: WebServer, tmp_path: Path, updates: Sequence[Update], *args: str,
                   render: Callable[[Sequence[Update]], str] = json_ld_page,
                   content_type: str = "text/html; charset=utf-8",
                   **env: str) -> AsyncIterator[Watch]:
    """Serve `updates`, start `watch URL --json ARGS`, wait for its baseline; stop it after."""
    url = server.set("/live", render(updates), content_type)
    process = await start("watch", url, "--json", *args, env=cli_env(tmp_path, **{**FAST, **env}))
    watch = Watch(process, server, "/live", render, content_type)
    try:
        await watch.checked()
        yield watch
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def keys(lines: Sequence[dict[str, Any]]) -> list[str]:
    return [line["entry"]["key"] for line in lines]


async def test_each_added_update_is_one_line_oldest_first(web_server: WebServer,
                                                          tmp_path: Path) -> None:
    """Baseline silent; two added updates give two JSON lines, oldest first, in the
    JSON shape of docs/BEHAVIOUR.md, Command line."""
    base = [update(2), update(1)]
    async with watching(web_server, tmp_path, base) as watch:
        watch.show([update(4, headline="Ferries stop"), update(3), *base])
        first, second = await watch.lines(2)
        assert keys([first, second]) == ["u3", "u4"]
        assert first["story"] == {"url": web_server.url("/live"), "title": "Storm live"}
        assert set(first) == {"story", "entry", "summary", "matched"}
        assert first["entry"]["published_at"] == "2024-02-03T10:03:00+00:00"
        assert set(first["entry"]) == {"key", "published_at", "updated_at", "title", "text", "url",
                                       "image"}
        assert second["summary"].startswith("Ferries stop") and len(second["summary"]) <= 80
        assert first["matched"] == []
        status, _ = await watch.stop()
    assert status == 0


async def test_a_correction_or_a_reorder_is_not_new(web_server: WebServer,
                                                    tmp_path: Path) -> None:
    """HTML blocks: corrected text and reordered blocks print nothing; the next new one prints."""
    base = [update(3), update(2), update(1)]
    async with watching(web_server, tmp_path, base, render=blocks_page) as watch:
        watch.show([update(2), update(3, "Update number 3 reports a distinct development 3 today!"),
                    update(1)])
        await watch.checked()
        watch.show([update(5), update(4), update(3), update(2), update(1)])
        assert [line["entry"]["text"] for line in await watch.lines(2)] == [
            update(4).text, update(5).text]


async def test_a_page_that_loses_its_updates_is_a_failed_check(web_server: WebServer,
                                                              tmp_path: Path) -> None:
    """Plain text: an empty page is a failed check; what comes back is not new, only the added."""
    base = [update(3), update(2), update(1)]
    async with watching(web_server, tmp_path, base, render=text_page,
                        content_type="text/plain; charset=utf-8") as watch:
        web_server.set("/live", "Storm live\n\nThe live page is being updated.\n", "text/plain")
        await watch.checked()
        watch.show([update(4), *base])
        [line] = await watch.lines(1)
        assert line["entry"]["text"] == update(4).text
        assert line["entry"]["published_at"] == "2024-02-03T10:04:00+00:00"
        status, err = await watch.stop()
    assert status == 0
    assert "check failed" in err


async def test_a_restart_alerts_nothing_twice_and_what_was_missed_once(web_server: WebServer,
                                                                       tmp_path: Path) -> None:
    """SIGTERM exits 0; started again on the same database only the missed update prints."""
    base = [update(2), update(1)]
    async with watching(web_server, tmp_path, base) as watch:
        watch.show([update(3), *base])
        assert [line["entry"]["text"] for line in await watch.lines(1)] == [update(3).text]
        status, _ = await watch.stop()
    assert status == 0
    missed = [update(4), update(3), *base]
    async with watching(web_server, tmp_path, missed) as watch:
        [line] = await watch.lines(1)
        assert line["entry"]["text"] == update(4).text
        watch.show([update(5), *missed])
        [line] = await watch.lines(1)
        assert line["entry"]["text"] == update(5).text


async def test_include_and_exclude_words(web_server: WebServer, tmp_path: Path) -> None:
    """Only updates passing the filters print; matched lists include words as written."""
    base = [update(1)]
    async with watching(web_server, tmp_path, base, "--include", "Iran", "--include", "red sea",
                        "--exclude", "football") as watch:
        watch.show([
            update(5, "A quiet afternoon with nothing new."),
            update(4, "IRAN and the Red Sea shipping lanes were discussed."),
            update(3, "Iran football fans celebrated in the streets."),
            update(2, "Nothing to see here at all today."), *base,
        ])
        [line] = await watch.lines(1)
        assert line["entry"]["text"].startswith("IRAN")
        assert line["matched"] == ["Iran", "red sea"]
        watch.show([update(6, "Ships left the Red Sea."), update(5), update(4), update(3),
                    update(2), *base])
        [line] = await watch.lines(1)
        assert line["matched"] == ["red sea"]


async def test_a_burst_is_folded_beyond_the_limit(web_server: WebServer, tmp_path: Path) -> None:
    """With burst_limit 2, five new updates: one folded line of three, then the newest two."""
    base = [update(1)]
    async with watching(web_server, tmp_path, base, STORYWATCH_ALERTS__BURST_LIMIT="2") as watch:
        watch.show([update(n) for n in range(6, 0, -1)])
        folded, *singles = await watch.lines(3)
        assert set(folded) == {"story", "folded"}
        assert [e["text"] for e in folded["folded"]] == [update(n).text for n in (2, 3, 4)]
        assert [line["entry"]["text"] for line in singles] == [update(5).text, update(6).text]


async def test_every_fixes_the_interval_and_sigint_exits_zero(web_server: WebServer,
                                                              tmp_path: Path) -> None:
    """--every polls at that interval without back-off; SIGINT ends the command with status 0."""
    async with watching(web_server, tmp_path, [update(1)], "--every", "0.1",
                        STORYWATCH_SCHEDULE__INTERVAL="5", STORYWATCH_SCHEDULE__MIN_INTERVAL="5",
                        STORYWATCH_SCHEDULE__MAX_INTERVAL="10") as watch:
        await watch.checked(3)
        status, err = await watch.stop(signal.SIGINT)
    assert (status, err) == (0, "")


async def test_a_bad_url_is_one_line_on_stderr(tmp_path: Path) -> None:
    """An unusable URL exits non-zero with one line on stderr."""
    result = await storywatch("watch", "ftp://example.com/x", env=cli_env(tmp_path))
    assert result.status != 0 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


async def test_a_story_that_never_worked_is_an_error(web_server: WebServer,
                                                     tmp_path: Path) -> None:
    """A first check that fails (no updates on the page) exits non-zero with the reason;
    with --retries 0 it is the only check and the only line."""
    url = web_server.set("/empty", "<html><body><p>No live updates here.</p></body></html>")
    result = await storywatch("watch", url, "--retries", "0", env=cli_env(tmp_path, **FAST))
    assert result.status != 0
    assert result.stderr.strip().splitlines() == [
        f"storywatch: cannot watch {url}: the page yielded no updates"]
    assert web_server.hits["/empty"] == 1


def _no_database_named(tmp_path: Path, **env: str) -> dict[str, str]:
    """The CLI's environment with no database named, and a data directory of its own."""
    environment = cli_env(tmp_path, XDG_DATA_HOME=str(tmp_path / "data"), **env)
    del environment["STORYWATCH_STORAGE__PATH"]
    return environment


async def test_a_refused_url_fails_at_once_in_one_line(web_server: WebServer,
                                                      tmp_path: Path) -> None:
    """A URL the guard refuses (loopback, not allowed) never worked: one line naming the URL
    once and the key that opens it, status 1; the server is never asked and nothing is
    written to the default database."""
    url = web_server.set("/live", json_ld_page([update(1)]))
    env = _no_database_named(tmp_path, STORYWATCH_SCHEDULE__INTERVAL="0.1")
    result = await storywatch("watch", url, env=env)
    assert (result.status, result.stdout) == (1, "")
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("storywatch: cannot watch: refused to fetch ")
    assert line.count(url) == 1 and "fetch.allow_networks" in line
    assert web_server.hits["/live"] == 0
    assert not (tmp_path / "data").exists()


async def test_a_story_that_stops_working_fails_after_its_retries(web_server: WebServer,
                                                                  tmp_path: Path) -> None:
    """Once the page answers 500, each failed check says it is retried, then one line names
    the URL and the reason, and the watch exits 1 after --retries 2 (three failures)."""
    async with watching(web_server, tmp_path, [update(1)], "--retries", "2") as watch:
        web_server.set("/live", "down for maintenance", status=500)
        async with asyncio.timeout(WAIT):
            await watch.process.wait()
        stderr = (await watch.process.stderr.read()).decode()  # type: ignore[union-attr]
    assert watch.process.returncode == 1
    *retrying, last = stderr.strip().splitlines()
    assert len(retrying) == 2 and all("retrying" in line for line in retrying), stderr
    assert last.startswith("storywatch: cannot watch: the server answered HTTP 500 for ")
    assert last.endswith("(3 checks in a row failed)")


async def test_watch_keeps_its_state_in_a_temporary_database(web_server: WebServer,
                                                             tmp_path: Path) -> None:
    """With no database named, watch leaves no database behind, and a second watch starts
    from a fresh baseline (nothing printed for what the first saw)."""
    base = [update(2), update(1)]
    url = web_server.set("/live", json_ld_page(base))
    env = _no_database_named(tmp_path, **FAST)
    for _ in range(2):
        process = await start("watch", url, "--json", env=env)
        watch = Watch(process, web_server, "/live", json_ld_page, "text/html")
        await watch.checked()
        status, err = await watch.stop()
        assert (status, err) == (0, "")
        assert await process.stdout.read() == b""  # type: ignore[union-attr]
    assert not (tmp_path / "data").exists()
    status_result = await storywatch("status", "--json", env=env)
    assert json.loads(status_result.stdout)["stories"]["followed"] == 0


async def test_db_keeps_the_watch_for_the_next_one(web_server: WebServer,
                                                   tmp_path: Path) -> None:
    """--db PATH keeps what was seen: the next watch on it prints only what is new."""
    base = [update(2), update(1)]
    database = tmp_path / "mine.db"
    async with watching(web_server, tmp_path, base, "--db", str(database)):
        pass
    assert database.exists() and not (tmp_path / "storywatch.db").exists()
    async with watching(web_server, tmp_path, [update(3), *base], "--db", str(database)) as w:
        [line] = await w.lines(1)
        assert line["entry"]["text"] == update(3).text
