"""`storywatch check`: the real command line on files and pages served on loopback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.cli.runner import cli_env, storywatch
from tests.conftest import REPO
from tests.fakes.web import WebServer

LOOPBACK = {"STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]'}

JSON_LD_PAGE = """<!doctype html><html><head><title>Storm live</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "LiveBlogPosting",
 "headline": "Storm Ciarán live", "liveBlogUpdate": [
  {"@type": "BlogPosting", "@id": "#post-2", "headline": "Trains cancelled",
   "datePublished": "2023-11-02T09:30:00+00:00", "articleBody": "All trains out of Penzance are cancelled until noon."},
  {"@type": "BlogPosting", "@id": "#post-1", "headline": "Red warning issued",
   "datePublished": "2023-11-02T08:05:00+00:00", "articleBody": "The Met Office has issued a red warning for wind."}
 ]}</script></head><body><h1>Storm Ciarán live</h1>
<article id="post-2"><h2>Trains cancelled</h2><p>All trains out of Penzance are cancelled until noon.</p></article>
<article id="post-1"><h2>Red warning issued</h2><p>The Met Office has issued a red warning for wind.</p></article>
</body></html>"""

MICRODATA_PAGE = """<!doctype html><html><head><title>Election night</title></head><body>
<div itemscope itemtype="https://schema.org/LiveBlogPosting"><h1 itemprop="headline">Election night</h1>
<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting" id="u2">
 <time itemprop="datePublished" datetime="2024-07-05T01:10:00+01:00">01:10</time>
 <p itemprop="articleBody">Turnout in the first seats to declare is down on 2019.</p></div>
<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting" id="u1">
 <time itemprop="datePublished" datetime="2024-07-05T00:40:00+01:00">00:40</time>
 <p itemprop="articleBody">Sunderland declares first, as it has for decades.</p></div>
</div></body></html>"""

ARTICLE_BLOCKS_PAGE = """<!doctype html><html><head><title>Budget live</title></head><body><main>
<h1>Budget day live</h1>
<article class="post" id="p3"><time datetime="2024-10-30T13:45:00Z">13:45</time>
 <p>The chancellor confirms a rise in employer national insurance contributions.</p></article>
<article class="post" id="p2"><time datetime="2024-10-30T12:30:00Z">12:30</time>
 <p>Prime minister's questions ends with a clash over the winter fuel allowance.</p></article>
<article class="post" id="p1"><time datetime="2024-10-30T11:02:00Z">11:02</time>
 <p>The chancellor leaves Downing Street holding the red box for photographers.</p></article>
</main></body></html>"""

DATE_ONCE_LIST_PAGE = """<!doctype html><html><head><title>Quake updates</title></head><body>
<h1>Earthquake: latest updates</h1><ul class="updates">
<li><span class="stamp">12 March 2024 16:20 GMT</span><p>Rescue teams reach the northern villages.</p></li>
<li><span class="stamp">15:05 GMT</span><p>A second tremor of magnitude 5.1 is felt in the capital.</p></li>
<li><span class="stamp">14:40 GMT</span><p>The airport reopens for relief flights only.</p></li>
</ul></body></html>"""

BOLD_PARAGRAPHS_PAGE = """<!doctype html><html lang="en-GB"><head><title>Match day</title></head><body>
<h1>Cup final as it happened</h1><div class="body">
<p>Saturday 18 May 2024</p>
<p><b>17.05</b> Full time: the underdogs lift the cup after extra time.</p>
<p><b>16.48</b> Penalty saved! The keeper dives left and holds on.</p>
<p><b>16.02</b> Kick-off at a sold-out stadium under grey skies.</p>
</div></body></html>"""

RSS_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire: latest</title>
<item><guid>wire-2</guid><title>Ceasefire talks resume</title><pubDate>Tue, 05 Mar 2024 10:15:00 GMT</pubDate>
<description>Negotiators return to Cairo for a second day.</description><link>https://wire.example/2</link></item>
<item><guid>wire-1</guid><title>Aid convoy crosses border</title><pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate>
<description>Forty lorries enter through the southern crossing.</description><link>https://wire.example/1</link></item>
</channel></rss>"""


async def check_json(url_or_file: str, tmp_path: Path, **env: str) -> list[dict[str, object]]:
    """Run `check --json` and return the entries it printed."""
    result = await storywatch("check", url_or_file, "--json", env=cli_env(tmp_path, **env))
    assert result.status == 0, result.stderr
    return json.loads(result.stdout)


async def test_seed_gives_its_five_updates(seed_path: Path, tmp_path: Path) -> None:
    """The seed file yields its five updates, newest first, the date carried to time-only ones."""
    entries = await check_json(str(seed_path), tmp_path)
    assert [e["published_at"] for e in entries] == [
        "2024-02-03T14:52:00+00:00", "2024-02-03T13:53:00+00:00", "2024-02-03T11:32:00+00:00",
        "2024-02-03T11:16:00+00:00", "2024-02-03T10:16:00+00:00",
    ]
    starts = ["Hamas condemned", "US airstrikes in Syria", "Iraq’s Parliamentary",
              "Iran strongly condemns", "Iraq rejects US claims"]
    for entry, start in zip(entries, starts, strict=True):
        assert str(entry["text"]).startswith(start)
        assert "Read More" not in str(entry["text"])
        assert set(entry) == {"key", "published_at", "updated_at", "title", "text", "url",
                              "image", "embeds"}
        assert entry["image"] is None
        assert entry["embeds"] == []


async def test_seed_table_shows_the_story_title(seed_path: Path, tmp_path: Path) -> None:
    """Without --json, check prints the story's title and a readable row per update."""
    result = await storywatch("check", str(seed_path), env=cli_env(tmp_path))
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "US unleashes strikes across Middle East"
    assert any(line.startswith("2024-02-03 14:52 UTC") and "Hamas" in line for line in lines)


@pytest.mark.parametrize(("page", "expected"), [
    (JSON_LD_PAGE, [("2023-11-02T09:30:00+00:00", "All trains"),
                    ("2023-11-02T08:05:00+00:00", "The Met Office")]),
    (MICRODATA_PAGE, [("2024-07-05T00:10:00+00:00", "Turnout"),
                      ("2024-07-04T23:40:00+00:00", "Sunderland")]),
    (ARTICLE_BLOCKS_PAGE, [("2024-10-30T13:45:00+00:00", "The chancellor confirms"),
                           ("2024-10-30T12:30:00+00:00", "Prime minister"),
                           ("2024-10-30T11:02:00+00:00", "The chancellor leaves")]),
    (DATE_ONCE_LIST_PAGE, [("2024-03-12T16:20:00+00:00", "Rescue teams"),
                           ("2024-03-12T15:05:00+00:00", "A second tremor"),
                           ("2024-03-12T14:40:00+00:00", "The airport")]),
    (BOLD_PARAGRAPHS_PAGE, [("2024-05-18T16:05:00+00:00", "Full time"),
                            ("2024-05-18T15:48:00+00:00", "Penalty saved"),
                            ("2024-05-18T15:02:00+00:00", "Kick-off")]),
], ids=["json-ld", "microdata", "article-blocks", "date-once-list", "bold-paragraphs"])
async def test_markup_styles_served_on_loopback(
    page: str, expected: list[tuple[str, str]], web_server: WebServer, tmp_path: Path,
) -> None:
    """Each markup style of live blog gives every update with its UTC time, newest first."""
    url = web_server.set("/live", page)
    entries = await check_json(url, tmp_path, **LOOPBACK)
    got = [(e["published_at"], str(e["text"])) for e in entries]
    assert [time for time, _ in got] == [time for time, _ in expected]
    for (_, text), (_, start) in zip(got, expected, strict=True):
        assert start in text


PICTURED_PAGE = ARTICLE_BLOCKS_PAGE.replace(
    "<p>The chancellor confirms", '<figure><img src="/img/pixel.gif" width="1" height="1">'
    '<img src="/photos/red-box-320.jpg" srcset="/photos/red-box-800.jpg 800w, '
    '/photos/red-box-2400.jpg 2400w"></figure><p>The chancellor confirms')


async def test_check_shows_each_updates_picture(web_server: WebServer, tmp_path: Path) -> None:
    """`check --json` gives each update's picture as an absolute URL (or null), and the
    table shows it under its update."""
    url = web_server.set("/live/budget", PICTURED_PAGE)
    entries = await check_json(url, tmp_path, **LOOPBACK)
    origin = url.rsplit("/live/", 1)[0]
    assert [e["image"] for e in entries] == [f"{origin}/photos/red-box-800.jpg", None, None]
    result = await storywatch("check", url, env=cli_env(tmp_path, **LOOPBACK))
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(n for n, line in enumerate(lines) if "The chancellor confirms" in line)
    assert lines[row + 1].split() == ["image:", f"{origin}/photos/red-box-800.jpg"]
    assert sum("image:" in line for line in lines) == 1


async def test_check_shows_what_an_update_quotes(web_server: WebServer, tmp_path: Path) -> None:
    """An update quoting a tweet: `check --json` lists it under "embeds", the table prints
    its "Quoted @…" line with the tweet's link, and the tweet's words leave the update's text."""
    tweet = ('<blockquote class="twitter-tweet"><p lang="en">Turnout looks very high here'
             '</p>&mdash; Ann Poll (@annpoll) <a href="https://twitter.com/annpoll/status/17?'
             'ref_src=twsrc">July 4, 2024</a></blockquote>')
    page = ARTICLE_BLOCKS_PAGE.replace(
        "contributions.</p>", f"contributions.</p>{tweet}")
    url = web_server.set("/live", page)
    newest = (await check_json(url, tmp_path, **LOOPBACK))[0]
    assert newest["embeds"] == [{"kind": "post", "url": "https://twitter.com/annpoll/status/17",
                                 "text": "Turnout looks very high here", "author": "@annpoll"}]
    assert "Turnout" not in str(newest["text"])
    table = await storywatch("check", url, env=cli_env(tmp_path, **LOOPBACK))
    assert ("Quoted @annpoll: Turnout looks very high here "
            "https://twitter.com/annpoll/status/17") in table.stdout


async def test_rss_feed(web_server: WebServer, tmp_path: Path) -> None:
    """A feed's items are entries with their guid as key and their link as url."""
    url = web_server.set("/feed.xml", RSS_FEED, content_type="application/rss+xml")
    entries = await check_json(url, tmp_path, **LOOPBACK)
    assert [e["published_at"] for e in entries] == [
        "2024-03-05T10:15:00+00:00", "2024-03-05T08:00:00+00:00"]
    assert entries[0]["title"] == "Ceasefire talks resume"
    assert entries[0]["url"] == "https://wire.example/2"
    assert entries[0]["key"] != entries[1]["key"]


async def test_the_contracts_private_networks_switch_opens_loopback(
        web_server: WebServer, tmp_path: Path) -> None:
    """STORYWATCH_FETCH__ALLOW_PRIVATE_NETWORKS=true, the switch deployments and test scripts
    set, still lets `check` read a page served on loopback."""
    url = web_server.set("/feed.xml", RSS_FEED, content_type="application/rss+xml")
    entries = await check_json(url, tmp_path, STORYWATCH_FETCH__ALLOW_PRIVATE_NETWORKS="true")
    assert [e["title"] for e in entries] == ["Ceasefire talks resume", "Aid convoy crosses border"]


async def check_fails(target: str, tmp_path: Path, **env: str) -> str:
    """Run check expecting failure; returns its one line of stderr."""
    result = await storywatch("check", target, env=cli_env(tmp_path, **env))
    assert result.status != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def test_unreachable_host(tmp_path: Path, unused_tcp_port: int) -> None:
    """A host that refuses the connection is one line naming it."""
    line = await check_fails(f"http://127.0.0.1:{unused_tcp_port}/live", tmp_path, **LOOPBACK)
    assert "127.0.0.1" in line


async def test_non_http_url(tmp_path: Path) -> None:
    """Only http and https URLs are fetched."""
    line = await check_fails("ftp://example.com/live.html", tmp_path)
    assert "http" in line.lower()


async def test_loopback_refused_by_default(web_server: WebServer, tmp_path: Path) -> None:
    """A loopback address is refused unless fetch.allow_networks names it; the one line
    says which key opens it, and names the URL once."""
    url = web_server.set("/live", ARTICLE_BLOCKS_PAGE)
    line = await check_fails(url, tmp_path)
    assert "127.0.0.1 is a private, local or reserved address" in line
    assert 'fetch.allow_networks = ["127.0.0.1/32"]' in line
    assert line.count(url) == 1, line
    assert web_server.hits["/live"] == 0


def _isolated() -> list[str]:
    """`unshare -n --`: the command runs in a network namespace holding only loopback."""
    try:
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    except FileNotFoundError:
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip("unshare -n is not available: this test must not reach a real network")
    return ["unshare", "-n", "--"]


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://[fd00:ec2::254]/latest/meta-data/",
                                 "http://[fe80::1]/"])
async def test_metadata_refused_though_every_range_is_open(tmp_path: Path, url: str) -> None:
    """fetch.allow_networks = ["0.0.0.0/0", "::/0"] still refuses link-local and metadata
    addresses, in one line naming the key (run with no network but loopback)."""
    process = await asyncio.create_subprocess_exec(
        *_isolated(), sys.executable, "-m", "bot.app.cli", "check", url, cwd=REPO,
        env=cli_env(tmp_path, STORYWATCH_FETCH__ALLOW_NETWORKS='["0.0.0.0/0", "::/0"]'),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1 and stdout == b""
    line = stderr.decode().strip()
    assert "\n" not in line and line.count(url.split("/latest")[0]) == 1, line
    assert "link-local or cloud metadata address" in line and "fetch.allow_networks" in line


async def test_body_over_size_limit(web_server: WebServer, tmp_path: Path) -> None:
    """A body over fetch.max_bytes is refused."""
    url = web_server.set("/big", ARTICLE_BLOCKS_PAGE + "<p>padding</p>" * 2000)
    line = await check_fails(url, tmp_path, STORYWATCH_FETCH__MAX_BYTES="4096", **LOOPBACK)
    assert "over the 4,096 byte limit" in line


async def test_non_html_body(web_server: WebServer, tmp_path: Path) -> None:
    """An image is not a page."""
    url = web_server.set("/photo", b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
    line = await check_fails(url, tmp_path, **LOOPBACK)
    assert "image/png" in line


async def test_page_with_no_updates(web_server: WebServer, tmp_path: Path) -> None:
    """A page without timestamped updates says so."""
    url = web_server.set("/about", "<html><body><h1>About us</h1><p>We are a newsroom.</p></body></html>")
    line = await check_fails(url, tmp_path, **LOOPBACK)
    assert "no timestamped updates" in line


async def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist and is no URL is one line, not a traceback."""
    line = await check_fails(str(tmp_path / "nope.html"), tmp_path)
    assert "nope.html" in line
