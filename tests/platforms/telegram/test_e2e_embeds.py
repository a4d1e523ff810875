"""The real `storywatch run` process, the fake Bot API and a story on loopback: an update that
quotes a tweet arrives as an alert with its "Quoted @…" line, linked to the tweet."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.core.extract.embed_pages import TWEET
from tests.fakes import telegram_updates as updates
from tests.fakes.web import WebServer
from tests.platforms.telegram.test_e2e import USER, storywatch_run

_START = datetime(2024, 3, 3, 13, 0, tzinfo=UTC)


def _page(posts: list[str]) -> str:
    """A live blog of `posts` (HTML bodies, oldest first), each timed a minute after the last,
    newest first on the page."""
    blocks = [f'<article class="update" id="post-{n}">'
              f'<time datetime="{(_START + timedelta(minutes=n)).isoformat()}">'
              f"{_START + timedelta(minutes=n):%H:%M}</time>{body}</article>"
              for n, body in enumerate(posts, 1)]
    return ("<!doctype html><html><head><title>Summit live</title></head><body>"
            f"<h1>Summit live</h1><main>{''.join(reversed(blocks))}</main></body></html>")


async def test_an_update_quoting_a_tweet_alerts_with_its_quoted_line(
    tmp_path: Path, web_server: WebServer
) -> None:
    """A new update with a tweet embed: the Telegram alert's text has "Quoted @janeminister:"
    and the tweet's words, linked to its status page, and the update's own words without the
    tweet's byline."""
    posts = ["<p>Leaders arrived at the venue this morning.</p>",
             "<p>The first session started on time.</p>"]
    web_server.set("/live", _page(posts))
    async with storywatch_run(tmp_path) as bot:
        await bot.subscribe(updates.private_command(USER, f"/subscribe {web_server.url('/live')}"),
                            USER)
        posts.append(f"<p>Reaction is pouring in from abroad.</p>{TWEET}")
        web_server.set("/live", _page(posts))
        [alert] = await bot.wait_alerts(USER, "Quoted @janeminister")
    text = alert["text"]
    status = "https://twitter.com/janeminister/status/1764321987654321098"
    assert (f'<a href="{html.escape(status)}">Quoted @janeminister</a>: Talks were frank and '
            "useful. More tomorrow pic.twitter.com/abc") in text
    assert "Reaction is pouring in from abroad." in text
    assert text.count("Talks were frank") == 1
    assert "Jane Minister" not in text and "March 3, 2024" not in text
