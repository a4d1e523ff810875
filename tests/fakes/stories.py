"""Live stories that tests grow, correct and break while the bot watches them."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from tests.fakes.web import WebServer

START = datetime(2024, 2, 3, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Post:
    """One update of a live story."""

    id: str
    at: datetime
    text: str
    headline: str | None = None
    image: str | None = None  # the update's picture, shown as a figure above its text


class LiveStory:
    """A live-blog page on a `WebServer`: article blocks with `<time datetime>`, newest first.

    Each `post` republishes the page, so the next fetch sees it.
    """

    def __init__(self, server: WebServer, path: str = "/live",
                 title: str = "Strikes across the Middle East: live") -> None:
        self.server = server
        self.path = path
        self.title = title
        self.posts: list[Post] = []
        self.publish()

    @property
    def url(self) -> str:
        """The story's URL."""
        return self.server.url(self.path)

    def post(self, text: str, headline: str | None = None, at: datetime | None = None,
             image: str | None = None) -> Post:
        """Add an update (timed a minute after the last one unless `at` is given), with its
        picture's URL if given, and publish."""
        when = at or (self.posts[-1].at + timedelta(minutes=1) if self.posts else START)
        post = Post(f"post-{len(self.posts) + 1}", when, text, headline, image)
        self.posts.append(post)
        self.publish()
        return post

    def correct(self, post: Post, text: str) -> None:
        """Replace an update's text, as an editor fixing a typo does, and publish."""
        self.posts = [replace(p, text=text) if p.id == post.id else p for p in self.posts]
        self.publish()

    def publish(self) -> None:
        """Serve the page as it now stands."""
        self.server.set(self.path, self.render())

    def render(self) -> str:
        """The page's HTML."""
        blocks = "\n".join(_block(post) for post in sorted(self.posts, key=lambda p: p.at,
                                                           reverse=True))
        return (f"<!doctype html><html><head><title>{html.escape(self.title)}</title></head>"
                f"<body><h1>{html.escape(self.title)}</h1><main>\n{blocks}\n</main></body></html>")


def _block(post: Post) -> str:
    headline = f"<h2>{html.escape(post.headline)}</h2>" if post.headline else ""
    figure = (f'<figure><img src="{html.escape(post.image)}" width="1200" height="800" alt="">'
              "</figure>" if post.image else "")
    return (f'<article class="update" id="{post.id}">'
            f'<time datetime="{post.at.isoformat()}">{post.at:%H:%M}</time>{headline}'
            f"{figure}<p>{html.escape(post.text)}</p></article>")
