"""Feeds that tests serve: RSS 2.0 with timed items, and other feed readers' OPML exports
pointed at the loopback web server."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.opml import read_opml
from tests.fakes.web import WebServer

SAMPLES = Path(__file__).parent.parent / "core" / "opml_samples"
"""OPML files written from RSS-to-Telegram-Bot's and MonitoRSS's documented export formats."""
_START = datetime(2024, 2, 3, 10, 0, tzinfo=UTC)


def rss_feed(title: str, link: str, count: int = 3) -> str:
    """An RSS 2.0 feed named `title`, whose site is `link`, with `count` items a minute
    apart, newest first."""
    items = "".join(
        f"<item><guid>{html.escape(title)}-{n}</guid><title>{html.escape(title)}: item {n}"
        f"</title><description>Item {n} of {html.escape(title)} says the river rose {n} cm."
        f"</description><pubDate>{_START + timedelta(minutes=n):%a, %d %b %Y %H:%M:%S +0000}"
        "</pubDate></item>" for n in range(count, 0, -1))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f"<description>{html.escape(title)}</description>{items}</channel></rss>")


def serve_sample(web: WebServer, name: str) -> tuple[bytes, list[str]]:
    """The sample export `name` with every host in it moved to `web`, and each URL it names
    served there as a feed; returns the file and those URLs, in the file's order."""
    text = (SAMPLES / name).read_text(encoding="utf-8")
    base = web.url("/").rstrip("/")
    for host in ("https://news.example", "https://tech.example", "https://politics.example",
                 "https://sport.example"):
        text = text.replace(host, base + "/" + host.removeprefix("https://").split(".")[0])
    urls: list[str] = []
    for url in read_opml(text.encode()):
        if url not in urls:
            urls.append(url)
            path = url.removeprefix(base)
            web.set(path, rss_feed(f"Feed at {path}", url), "application/rss+xml")
    return text.encode(), urls
