"""What an update quotes or plays: social posts, videos and podcasts embedded in its markup.

Each platform's embed code (the blockquote, iframe or script its "Embed" button gives) becomes
one `Embed` with the link a reader would open (a YouTube player's watch page, a tweet's status
page), the quoted words and the @author where the markup carries them. The elements found are
returned too, so the update's own text leaves them out: a quoted tweet's words and its
"— Name (@handle) March 3, 2024" line belong to its embed line, not to the update's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from bot.core.extract.blocktext import paragraphs
from bot.core.extract.players import (
    absolute,
    clip,
    frame_embed,
    frame_fallback,
    mastodon_post,
    no_query,
    player_title,
)
from bot.core.model import Embed

# The elements an embed code is made of; what each is, the readers below decide.
_SELECTOR = (
    "blockquote, iframe, lite-youtube, audio, script[data-telegram-post], div.fb-post, "
    "div.fb-video"
)
_QUOTE_CLASSES = frozenset({"twitter-tweet", "twitter-video", "bluesky-embed", "mastodon-embed",
                            "instagram-media", "text-post-media"})
# A quoted post's date ("March 3, 2024 at 2:01 PM") sits this close below its blockquote.
_QUOTE_DEPTH = 4
_TAGS = frozenset({"blockquote", "iframe", "lite-youtube", "audio", "script", "div"})
MAX_EMBEDS = 20
"""What one update keeps of its embeds at most (alerts show a few; a page may hold thousands)."""
_HANDLE = re.compile(r"\(\s*(@[\w.@-]+)\s*\)")


@dataclass(frozen=True, slots=True)
class Found:
    """The embeds of an update's markup, in page order, the elements (by mem_id) they
    were read from, which the update's own text skips, and the words they show a reader
    (`words`: what an update made only of embeds says)."""

    embeds: tuple[Embed, ...]
    elements: frozenset[int]
    words: str


def find_embeds(nodes: Iterable[LexborNode], base_url: str) -> Found:
    """The embeds under (or at) `nodes`, each once, page order.

    `base_url` resolves relative links; only http(s) links are kept.
    """
    embeds: dict[Embed, None] = {}
    elements: set[int] = set()
    words: list[str] = []
    for node in nodes:
        if node.tag not in _TAGS and (node.tag == "-text" or node.child is None):
            continue
        matches = [node] if node.tag in _TAGS else []
        for found in (*matches, *node.css(_SELECTOR)):
            if found.mem_id in elements or (elements and _inside(found, elements)):
                continue
            embed = _read(found, base_url)
            if embed is None:
                continue
            # Past the cap an embed is still set apart from the text, only not kept.
            elements.add(found.mem_id)
            if embed not in embeds and len(embeds) < MAX_EMBEDS:
                embeds[embed] = None
                words.append(frame_fallback(found) if found.tag == "iframe" else embed.text)
    return Found(tuple(embeds), frozenset(elements), "\n\n".join(w for w in words if w))


def in_quoted_post(node: LexborNode) -> bool:
    """Whether `node` sits in a quoted post's blockquote, whose date is the post's, not the
    update's (looked for a few levels up only: it is asked of every time on the page)."""
    current = node.parent
    for _ in range(_QUOTE_DEPTH):
        if current is None:
            return False
        if current.tag == "blockquote" and _QUOTE_CLASSES & set(
                (current.attributes.get("class") or "").split()):
            return True
        current = current.parent
    return False


def _inside(node: LexborNode, elements: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in elements:
            return True
        parent = parent.parent
    return False


def _read(node: LexborNode, base_url: str) -> Embed | None:
    reader = _READERS.get(node.tag or "")
    return reader(node, base_url) if reader is not None else None


# --- quoted posts in blockquotes -------------------------------------------------------------


def _blockquote(node: LexborNode, base_url: str) -> Embed | None:
    classes = set((node.attributes.get("class") or "").split())
    if classes & {"twitter-tweet", "twitter-video"}:
        return _tweet(node, base_url)
    if "bluesky-embed" in classes:
        return _bluesky(node, base_url)
    if "mastodon-embed" in classes:
        return _mastodon_quote(node, base_url)
    if "instagram-media" in classes:
        return _instagram(node, base_url)
    if "text-post-media" in classes:
        return _threads(node, base_url)
    return None


def _tweet(node: LexborNode, base_url: str) -> Embed | None:
    status = next((url for url in _links(node, base_url) if _tweet_url(url)), None)
    if status is None:
        return None
    url = _tweet_url(status)
    user = urlsplit(url).path.split("/")[1]
    # The status link names its author, except in the "i/status" form.
    author = f"@{user}" if user != "i" else _handle(node)
    return Embed("post", url, _first_paragraph(node), author)


def _tweet_url(url: str) -> str:
    """A tweet's status page without tracking parameters, or "" if `url` is none."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("mobile.")
    match = re.match(r"^/(\w{1,30})/status(?:es)?/(\d+)", parts.path)
    if host not in ("twitter.com", "x.com") or match is None:
        return ""
    return f"https://{host}/{match[1]}/status/{match[2]}"


def _bluesky(node: LexborNode, base_url: str) -> Embed | None:
    uri = node.attributes.get("data-bluesky-uri") or ""
    match = re.match(r"^at://([^/]+)/app\.bsky\.feed\.post/(\w+)$", uri)
    links = [no_query(url) for url in _links(node, base_url) if "/post/" in url]
    url = links[-1] if links else (
        f"https://bsky.app/profile/{match[1]}/post/{match[2]}" if match else None)
    if url is None:
        return None
    author = next((text for text in _link_texts(node) if text.startswith("@")), None)
    return Embed("post", url, _first_paragraph(node, drop="[image or embed]"), author)


def _mastodon_quote(node: LexborNode, base_url: str) -> Embed | None:
    url = node.attributes.get("data-embed-url") or next(iter(_links(node, base_url)), "")
    return mastodon_post(url, base_url)


def _instagram(node: LexborNode, base_url: str) -> Embed | None:
    link = node.attributes.get("data-instgrm-permalink") or next(iter(_links(node, base_url)), "")
    url = absolute(link, base_url)
    if url is None or "instagram.com/" not in url:
        return None
    words = [p for p in _paragraph_texts(node)
             if not re.match(r"^(A post shared by|View this post on Instagram)", p, re.I)]
    return Embed("post", no_query(url), clip(" ".join(words)), _handle(node))


def _threads(node: LexborNode, base_url: str) -> Embed | None:
    link = node.attributes.get("data-text-post-permalink") or next(iter(_links(node, base_url)),
                                                                      "")
    url = absolute(link, base_url)
    if url is None:
        return None
    url = no_query(url)
    match = re.match(r"^/(@[\w.]+)/post/", urlsplit(url).path)
    return Embed("post", url, "", match[1] if match else None)


def _facebook(node: LexborNode, base_url: str) -> Embed | None:
    classes = set((node.attributes.get("class") or "").split())
    url = absolute(node.attributes.get("data-href") or "", base_url)
    if url is None or not classes & {"fb-post", "fb-video"}:
        return None
    return Embed("video" if "fb-video" in classes else "post", url, "", None)


def _telegram_script(node: LexborNode, _base_url: str) -> Embed | None:
    post = node.attributes.get("data-telegram-post") or ""
    match = re.match(r"^(\w{4,40})/(\d+)$", post.strip())
    if match is None:
        return None
    return Embed("post", f"https://t.me/{match[1]}/{match[2]}", "", f"@{match[1]}")


# --- players outside iframes ----------------------------------------------------------------


def _lite_youtube(node: LexborNode, _base_url: str) -> Embed | None:
    video = node.attributes.get("videoid") or ""
    if not re.match(r"^[\w-]{6,20}$", video):
        return None
    label = node.attributes.get("playlabel") or node.attributes.get("title") or ""
    title = player_title(re.sub(r"^Play(?: video)?:\s*", "", label, flags=re.I))
    return Embed("video", f"https://www.youtube.com/watch?v={video}", title)


def _audio(node: LexborNode, base_url: str) -> Embed | None:
    source = node.attributes.get("src") or ""
    if not source:
        inner = node.css_first("source[src]")
        source = inner.attributes.get("src") or "" if inner is not None else ""
    url = absolute(source, base_url)
    if url is None:
        return None
    title = node.attributes.get("title") or node.attributes.get("aria-label") or ""
    return Embed("audio", url, player_title(title))


_READERS: dict[str, Callable[[LexborNode, str], Embed | None]] = {
    "blockquote": _blockquote,
    "iframe": frame_embed,
    "lite-youtube": _lite_youtube,
    "audio": _audio,
    "script": _telegram_script,
    "div": _facebook,
}


# --- helpers ---------------------------------------------------------------------------------


def _links(node: LexborNode, base_url: str) -> list[str]:
    found = (absolute(a.attributes.get("href") or "", base_url) for a in node.css("a[href]"))
    return [url for url in found if url is not None]


def _link_texts(node: LexborNode) -> list[str]:
    return [" ".join(a.text().split()) for a in node.css("a")]


def _paragraph_texts(node: LexborNode) -> list[str]:
    return [text for text in (" ".join(p.text().split()) for p in node.css("p")) if text]


def _first_paragraph(node: LexborNode, drop: str = "") -> str:
    first = node.css_first("p")
    if first is None:
        return ""
    text = " ".join(paragraphs([first], set()))
    return clip(text.replace(drop, "").strip() if drop else text)


def _handle(node: LexborNode) -> str | None:
    """The "(@handle)" of a post's byline, which follows its words (that may name others)."""
    found = _HANDLE.findall(node.text(separator=" "))
    return found[-1] if found else None


