"""Discovery (/subscribe of a front page lists what can be followed there; /subscribe N picks)
and /track (a section page's new live pages whose titles match are followed and announced),
through the command layer and the track tick, against pages on a loopback web server."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from bot.app.tracker import Tracker
from bot.core.model import Alert, Notice
from handlers.commands import CommandLayer
from handlers.context import Context
from handlers.tracking import MAX_FOLLOWS_PER_CHECK
from storage import outbox, stories, subscriptions, tracks
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer, serve
from tests.handlers.conftest import Commands, caller, command_layer


def section(*links: tuple[str, str], head: str = "") -> str:
    """A front or section page linking to each (url, text), beside an ordinary article."""
    anchors = "".join(f'<li><a href="{html.escape(url)}">{html.escape(text)}</a></li>'
                      for url, text in links)
    return (f"<!doctype html><html><head><title>World news</title>{head}</head><body>"
            f"<h1>World</h1><ul>{anchors}<li><a href='/analysis'>Why it matters</a></li></ul>"
            "</body></html>")


def live(commands: Commands, path: str, title: str) -> LiveStory:
    story = LiveStory(commands.web, path, title=title)
    story.post("The first update of the day.")
    story.post("The second update of the day.")
    return story


async def messages(commands: Commands) -> list[Alert | Notice]:
    chat = await commands.chat()
    assert chat is not None
    return [d.message for d in await outbox.list_for_chat(commands.db, chat.id)
            if isinstance(d.message, Alert | Notice)]


async def followed_urls(commands: Commands) -> list[str]:
    chat = await commands.chat()
    assert chat is not None
    found = []
    for subscription in await subscriptions.for_chat(commands.db, chat.id):
        story = await stories.get(commands.db, subscription.story_id)
        assert story is not None
        found.append(story.url)
    return found


def tracker(commands: Commands) -> Tracker:
    return Tracker(commands.context, commands.clock, concurrency=2,
                   max_interval=commands.context.interval * 4, notified=lambda: None)


async def test_a_front_page_lists_its_live_pages_and_feeds_and_subscribe_n_picks_one(
        commands: Commands) -> None:
    first = live(commands, "/live/storm", "Storm live")
    second = live(commands, "/world/ukraine-day-2", "Ukraine war: day 2")
    feed_link = '<link rel="alternate" type="application/rss+xml" title="World" href="/rss">'
    front = commands.web.set("/", section(("/live/storm", "LIVE: The storm"),
                                          ("/world/ukraine-day-2", "Ukraine war live: day 2"),
                                          head=feed_link))
    reply = await commands.run(f"/subscribe {front}")
    assert reply.text.splitlines() == [
        f"{front} has no updates of its own; what can be followed there:",
        "1. LIVE: The storm", f"   {first.url}",
        "2. Ukraine war live: day 2", f"   {second.url}",
        "3. RSS: World (feed)", f"   {commands.web.url('/rss')}",
        "Follow one with /subscribe N (example: /subscribe 1); to follow each new live page "
        f"that appears there: /track {front} [words]"]
    assert await followed_urls(commands) == []
    # The list is stored, not held by this command layer: a restarted bot picks from it.
    restarted = CommandLayer(commands.context)
    picked = await restarted.run_text(caller(), "/subscribe 2")
    assert picked is not None
    assert picked.text.startswith("Following “Ukraine war: day 2” (number 1 in /list): "
                                  "2 updates so far.")
    assert await followed_urls(commands) == [second.url]
    assert commands.web.hits["/live/storm"] == 0


async def test_a_page_with_nothing_to_follow_says_so_and_a_stray_number_says_why(
        commands: Commands) -> None:
    empty = commands.web.set("/about", section())
    reply = await commands.run(f"/subscribe {empty}")
    assert reply.text == (f"Can't follow {empty}: the page yielded no updates, and it links to "
                          "no live page or feed")
    reply = await commands.run("/subscribe 3")
    assert reply.text.startswith("There is no choice 3 here: /subscribe a site's front or")


async def test_track_follows_each_new_matching_live_page_and_the_chat_hears_its_updates(
        commands: Commands) -> None:
    """The links there at /track are the baseline; a new live page whose title matches is
    followed and announced, and its next update reaches the chat; one that does not match
    is never even fetched."""
    old = live(commands, "/live/ukraine-day-1", "Ukraine war: day 1")
    links = [(old.path, "Ukraine war live: day 1")]
    url = commands.web.set("/world", section(*links))
    reply = await commands.run(f"/track {url} ukraine -sport")
    assert reply.text == (f"Tracking {url} (number 1 under Tracking in /list): 1 live page "
                          "linked there now is left as it is; each new one whose title has ukraine"
                          " but not sport will be followed here and announced.")
    assert await tracker(commands).tick() == 0  # not due yet
    new = live(commands, "/live/ukraine-day-2", "Ukraine war: day 2")
    budget = live(commands, "/live/budget", "Budget day")
    sport = live(commands, "/live/ukraine-sport", "Ukraine sport")
    links += [(new.path, "Ukraine war live: day 2"), (budget.path, "Budget day live"),
              (sport.path, "Live: Ukraine sport results")]
    commands.web.set("/world", section(*links))
    commands.clock.advance(commands.context.interval)
    assert await tracker(commands).tick() == 1
    assert await followed_urls(commands) == [new.url]
    [notice] = await messages(commands)
    assert isinstance(notice, Notice)
    assert notice.text == (f"Now following: Ukraine war: day 2 {new.url}\n(new on {url}; "
                           "number 1 in /list)")
    assert commands.web.hits[budget.path] == commands.web.hits[sport.path] == 0
    assert commands.web.hits[old.path] == 0
    # The followed page's next update reaches the chat as any subscription's does.
    new.post("Talks resume in Istanbul this afternoon.")
    commands.clock.advance(commands.context.interval)
    await commands.poller.tick()
    await commands.poller.idle()
    alerts = [m for m in await messages(commands) if isinstance(m, Alert)]
    assert [a.entry.text for a in alerts] == ["Talks resume in Istanbul this afternoon."]
    # Seen once, never new again: a page the chat stops following is not followed again.
    await commands.run("/unsubscribe 1")
    commands.clock.advance(commands.context.interval)
    assert await tracker(commands).tick() == 1
    assert await followed_urls(commands) == []
    assert len(await messages(commands)) == 2


def rss(*items: tuple[str, str]) -> str:
    entries = "".join(f"<item><title>{html.escape(title)}</title><link>{html.escape(url)}</link>"
                      "</item>" for url, title in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>World</title>{entries}"
            "</channel></rss>")


async def test_a_tracked_feeds_new_items_are_followed_when_they_are_live_pages(
        commands: Commands) -> None:
    """Each new item of a tracked feed is a candidate; only one with updates is followed."""
    first = live(commands, "/live/storm-1", "Storm: day 1")
    feed = commands.web.set("/rss", rss((first.url, "Storm: day 1")), "application/rss+xml")
    reply = await commands.run(f"/track {feed}")
    assert reply.text == (f"Tracking {feed} (number 1 under Tracking in /list): 1 feed item "
                          "there now is left as it is; each new one will be followed here and "
                          "announced.")
    second = live(commands, "/live/storm-2", "Storm: day 2")
    article = commands.web.set("/storm-explained", section())
    commands.web.set("/rss", rss((article, "Storm damage explained"), (second.url, "Storm: day 2"),
                                 (first.url, "Storm: day 1")), "application/rss+xml")
    commands.clock.advance(commands.context.interval)
    assert await tracker(commands).tick() == 1
    assert await followed_urls(commands) == [second.url]
    assert [m.text for m in await messages(commands) if isinstance(m, Notice)] == [
        f"Now following: Storm: day 2 {second.url}\n(new on {feed}; number 1 in /list)"]


async def test_list_shows_the_tracks_and_untrack_stops_one(commands: Commands) -> None:
    url = commands.web.set("/world", section())
    await commands.run(f"/track {url}")
    listed = await commands.run("/list")
    assert listed.text.splitlines()[-4:] == [
        "Tracking (1; new live pages there are followed here):",
        f"1. {url} — checked 2024-02-03 12:00 UTC", "   words: any",
        "/untrack N stops tracking one."]
    again = await commands.run(f"/track {url} storm")
    assert again.text.startswith(f"This chat already tracks {url} (number 1 under Tracking")
    assert (await commands.run("/untrack 2")).text == (
        "There is no track 2 here; /list shows the numbers.")
    assert (await commands.run("/untrack 1")).text == (
        f"Stopped tracking {url}; the stories it found stay followed.")
    assert "Tracking" not in (await commands.run("/list")).text


async def test_only_admins_track_in_a_group(commands: Commands) -> None:
    url = commands.web.set("/world", section())
    reply = await commands.run(f"/track {url}", caller(admin=False))
    assert "admin" in reply.text
    chat = await commands.chat()
    assert chat is None or await tracks.for_chat(commands.db, chat.id) == []


async def test_a_new_page_past_the_chats_limit_is_announced_not_followed(
        commands: Commands) -> None:
    url = commands.web.set("/world", section())
    await commands.run(f"/track {url}")
    limited = Commands(commands.layer, replace_limit(commands, 0), commands.db, commands.clock,
                       commands.web, commands.poller)
    new = live(commands, "/live/storm", "Storm live")
    commands.web.set("/world", section((new.path, "Storm live")))
    commands.clock.advance(commands.context.interval)
    assert await tracker(limited).tick() == 1
    assert await followed_urls(commands) == []
    [notice] = await messages(commands)
    assert isinstance(notice, Notice)
    assert notice.text.startswith(f"New on {url}: Storm live {new.url}\nNot followed: This "
                                  "chat follows 0 stories, the most allowed")


def replace_limit(commands: Commands, most: int) -> Context:
    return replace(commands.context,
                   limits=replace(commands.context.limits, subscriptions_per_chat=most))


# --- SSRF: a tracked page's links are fetched only as /subscribe would fetch them ---


@pytest.fixture
async def guarded(tmp_path: Path, web_server: WebServer) -> AsyncIterator[Commands]:
    """The command layer and track tick with only 127.0.0.1 open to the fetcher (as a
    deployment opens its own range): every other address stays refused."""
    async with command_layer(tmp_path, web_server, ["127.0.0.1/32"]) as built:
        yield built


async def test_a_tracked_page_never_makes_the_bot_fetch_a_refused_address(
        guarded: Commands) -> None:
    """Links to a refused loopback address, a private one and the cloud metadata address are
    new live pages by their titles, yet none is fetched and none followed; /track of such an
    address is refused outright."""
    hits: list[str] = []

    async def private(request: web.BaseRequest) -> web.StreamResponse:
        hits.append(request.path)
        return web.Response(text=LiveStory(guarded.web, "/unused").render(),
                            content_type="text/html")

    async with serve(private, host="127.0.0.2") as elsewhere:
        url = guarded.web.set("/world", section())
        await guarded.run(f"/track {url}")
        guarded.web.set("/world", section((f"{elsewhere}/live", "Live: inside the firewall"),
                                          ("http://169.254.169.254/latest/live", "Live: meta"),
                                          ("http://10.0.0.1/live", "Live: the office")))
        guarded.clock.advance(guarded.context.interval)
        assert await tracker(guarded).tick() == 1
        refused = await guarded.run(f"/track {elsewhere}/section")
        # Discovery lists such a link (it fetches none); picking it is refused as /subscribe is.
        offer = await guarded.run(f"/subscribe {url}")
        assert offer.text.startswith(f"{url} has no updates of its own")
        picked = await guarded.run("/subscribe 1")
        assert picked.text.startswith(f"Can't follow: refused to fetch {elsewhere}/live: ")
        assert hits == []
    assert await followed_urls(guarded) == []
    assert await messages(guarded) == []
    assert refused.text.startswith(f"Refused to fetch {elsewhere}/section: 127.0.0.2 is a ")


async def test_track_reads_words_phrases_and_exclusions_as_filter_does(
        commands: Commands) -> None:
    first, second = live(commands, "/live/a", "A"), live(commands, "/live/b", "B")
    url = commands.web.set("/world", section((first.path, "Live: A"), (second.path, "Live: B")))
    reply = await commands.run(f'/track {url} “red sea” iran* -sport -"transfer news"')
    assert reply.text == (f"Tracking {url} (number 1 under Tracking in /list): 2 live pages "
                          "linked there now are left as they are; each new one whose title has "
                          '"red sea" or iran* but not sport or "transfer news" will be followed '
                          "here and announced.")
    listed = await commands.run("/list")
    assert 'words: include "red sea", iran*; exclude sport, "transfer news"' in listed.text
    for bad, why in (("/track", "/track needs a page's address"),
                     ("/track world-news", "'world-news' is not a web address"),
                     (f"/track {url} ukraine -", "'-' has no letters or digits to match"),
                     (f'/track {url} "red sea', "quote")):
        assert why in (await commands.run(bad)).text, bad


async def test_a_slow_new_page_is_announced_only_once_its_first_check_found_updates(
        commands: Commands) -> None:
    """No one waits on the track tick: a new page's first check is waited for to its end,
    however long /subscribe's reply would wait, and a page without updates is never
    announced."""
    url = commands.web.set("/world", section())
    await commands.run(f"/track {url}")
    new = live(commands, "/live/storm", "Storm live")
    empty = commands.web.set("/live/nothing-yet", section())
    commands.web.set("/world", section(("/live/nothing-yet", "Live: nothing yet"),
                                       (new.path, "Live: the storm")))
    gates = {path: commands.web.gates.setdefault(path, asyncio.Event())
             for path in ("/live/nothing-yet", new.path)}
    impatient = replace(commands, context=replace(commands.context, first_check_wait=0.01))
    commands.clock.advance(commands.context.interval)
    ticking = asyncio.ensure_future(tracker(impatient).tick())
    await commands.web.wait_hits("/live/nothing-yet", 1)
    gates["/live/nothing-yet"].set()
    await commands.web.wait_hits(new.path, 1)
    gates[new.path].set()
    assert await ticking == 1
    assert await followed_urls(commands) == [new.url]
    assert [m.text for m in await messages(commands) if isinstance(m, Notice)] == [
        f"Now following: Storm live {new.url}\n(new on {url}; number 1 in /list)"]
    assert empty not in await followed_urls(commands)


async def test_a_page_that_sprouts_many_live_pages_is_followed_a_few_per_check(
        commands: Commands) -> None:
    url = commands.web.set("/world", section())
    await commands.run(f"/track {url}")
    pages = [live(commands, f"/live/{n}", f"Story {n}") for n in range(MAX_FOLLOWS_PER_CHECK + 2)]
    commands.web.set("/world", section(*((p.path, f"Live: story {n}")
                                         for n, p in enumerate(pages))))
    commands.clock.advance(commands.context.interval)
    await tracker(commands).tick()
    assert await followed_urls(commands) == [p.url for p in pages[:MAX_FOLLOWS_PER_CHECK]]
    commands.clock.advance(commands.context.interval)
    await tracker(commands).tick()
    assert await followed_urls(commands) == [p.url for p in pages]


async def test_a_failing_tracked_page_shows_in_list_and_is_asked_less_often(
        commands: Commands) -> None:
    url = commands.web.set("/world", section())
    await commands.run(f"/track {url}")
    commands.web.set("/world", "gone", status=404)
    interval = commands.context.interval
    for wait, checked in ((1, 1), (1, 1), (1, 0), (1, 1), (3, 0), (1, 1), (4, 1)):
        commands.clock.advance(interval * wait)
        assert await tracker(commands).tick() == checked
    listed = await commands.run("/list")
    assert f"1. {url} — failing (the server answered HTTP 404 for {url})" in listed.text
    commands.web.set("/world", section())
    commands.clock.advance(interval * 4)
    assert await tracker(commands).tick() == 1
    assert f"1. {url} — checked" in (await commands.run("/list")).text
