"""What an update quotes or plays: social posts, videos and podcasts embedded in its markup.

Each platform's embed code (the blockquote, iframe or script its "Embed" button gives) becomes
one `Embed` with the link a reader would open (a YouTube player's watch page, a tweet's status
page), the quoted words and the @author where the markup carries them. The elements found are
returned too, so the update's own text leaves them out: a quoted tweet's words and its
"— Name (@handle) March 3, 2024" line belong to its embed line, not to the update's words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from selectolax.lexbor import LexborNode

from bot.core.extract.blocktext import paragraphs
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
_WORDS_CHARS = 1000
_HANDLE = re.compile(r"\(\s*(@[\w.@-]+)\s*\)")
_TAG = re.compile(r"<[^>]*>")
# The fallback a page writes inside an iframe of its own tweet player ("Twitter: Name - words").
_FALLBACK_POST = re.compile(
    r"^\s*(?:Twitter|X)\s*:\s*(?P<name>[^-–—]{1,60}?)\s+[-–—]\s+(?P<words>.+)", re.DOTALL)
_GENERIC_TITLES = re.compile(r"^(youtube|vimeo|dailymotion|twitch|spotify|soundcloud)?\s*"
                             r"(video )?(player|embed|video|audio|iframe|podcast)?$", re.I)


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
    embeds: list[Embed] = []
    elements: set[int] = set()
    words: list[str] = []
    for node in nodes:
        if node.tag not in _TAGS and (node.tag == "-text" or node.child is None):
            continue
        matches = [node] if node.tag in _TAGS else []
        for found in (*matches, *node.css(_SELECTOR)):
            if found.mem_id in elements or _inside(found, elements):
                continue
            embed = _read(found, base_url)
            if embed is not None and embed not in embeds:
                embeds.append(embed)
                elements.add(found.mem_id)
                words.append(_fallback(found) if found.tag == "iframe" else embed.text)
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


def _fallback(frame: LexborNode) -> str:
    """What an iframe's page wrote inside it for browsers without frames, as plain words (the
    parser keeps an iframe's content as raw markup)."""
    return " ".join(html.unescape(_TAG.sub(" ", frame.text(deep=True))).split())


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
    author = _handle(node) or "@" + urlsplit(url).path.split("/")[1]
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
    links = [_no_query(url) for url in _links(node, base_url) if "/post/" in url]
    url = links[-1] if links else (
        f"https://bsky.app/profile/{match[1]}/post/{match[2]}" if match else None)
    if url is None:
        return None
    author = next((text for text in _link_texts(node) if text.startswith("@")), None)
    return Embed("post", url, _first_paragraph(node, drop="[image or embed]"), author)


def _mastodon_quote(node: LexborNode, base_url: str) -> Embed | None:
    url = node.attributes.get("data-embed-url") or next(iter(_links(node, base_url)), "")
    return _mastodon(url, base_url)


def _mastodon(src: str, base_url: str) -> Embed | None:
    url = _absolute(src, base_url)
    if url is None:
        return None
    url = _no_query(url).removesuffix("/embed")
    parts = urlsplit(url)
    match = re.match(r"^/(@[\w.-]+)(?:@[\w.-]+)?/\d+$", parts.path)
    if match is None:
        return None
    return Embed("post", url, "", f"{match[1]}@{parts.hostname}")


def _instagram(node: LexborNode, base_url: str) -> Embed | None:
    link = node.attributes.get("data-instgrm-permalink") or next(iter(_links(node, base_url)), "")
    url = _absolute(link, base_url)
    if url is None or "instagram.com/" not in url:
        return None
    words = [p for p in _paragraph_texts(node)
             if not re.match(r"^(A post shared by|View this post on Instagram)", p, re.I)]
    return Embed("post", _no_query(url), _clip(" ".join(words)), _handle(node))


def _threads(node: LexborNode, base_url: str) -> Embed | None:
    link = node.attributes.get("data-text-post-permalink") or next(iter(_links(node, base_url)),
                                                                      "")
    url = _absolute(link, base_url)
    if url is None:
        return None
    url = _no_query(url)
    match = re.match(r"^/(@[\w.]+)/post/", urlsplit(url).path)
    return Embed("post", url, "", match[1] if match else None)


def _facebook(node: LexborNode, base_url: str) -> Embed | None:
    classes = set((node.attributes.get("class") or "").split())
    url = _absolute(node.attributes.get("data-href") or "", base_url)
    if url is None or not classes & {"fb-post", "fb-video"}:
        return None
    return Embed("video" if "fb-video" in classes else "post", url, "", None)


def _telegram_script(node: LexborNode, _base_url: str) -> Embed | None:
    post = node.attributes.get("data-telegram-post") or ""
    match = re.match(r"^(\w{4,40})/(\d+)$", post.strip())
    if match is None:
        return None
    return Embed("post", f"https://t.me/{match[1]}/{match[2]}", "", f"@{match[1]}")


# --- players in iframes ----------------------------------------------------------------------


def _iframe(node: LexborNode, base_url: str) -> Embed | None:
    src = node.attributes.get("src") or node.attributes.get("data-src") or ""
    url = _absolute(src, base_url)
    if url is None:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    title = _title(node.attributes.get("title") or "")
    if "mastodon-embed" in (node.attributes.get("class") or ""):
        return _mastodon(url, base_url)
    for hosts, reader in _PLAYERS:
        if host in hosts:
            embed = reader(parts.path, parse_qs(parts.query), title)
            if embed is not None:
                return embed
    return _fallback_post(node, url)


def _youtube(path: str, _query: dict[str, list[str]], title: str) -> Embed | None:
    match = re.match(r"^/embed/([\w-]{6,20})", path)
    if match is None:
        return None
    return Embed("video", f"https://www.youtube.com/watch?v={match[1]}", title)


def _vimeo(path: str, _query: dict[str, list[str]], title: str) -> Embed | None:
    match = re.match(r"^/video/(\d+)", path)
    return Embed("video", f"https://vimeo.com/{match[1]}", title) if match else None


def _dailymotion(path: str, query: dict[str, list[str]], title: str) -> Embed | None:
    match = re.match(r"^/embed/video/(\w+)", path)
    video = match[1] if match else _param(query, "video")
    return Embed("video", f"https://www.dailymotion.com/video/{video}", title) if video else None


def _twitch(path: str, query: dict[str, list[str]], title: str) -> Embed | None:
    clip = _param(query, "clip")
    if clip:
        return Embed("video", f"https://clips.twitch.tv/{clip}", title)
    video = _param(query, "video").removeprefix("v")
    if video.isdigit():
        return Embed("video", f"https://www.twitch.tv/videos/{video}", title)
    channel = _param(query, "channel")
    return Embed("video", f"https://www.twitch.tv/{channel}", title, channel) if channel else None


def _spotify(path: str, _query: dict[str, list[str]], title: str) -> Embed | None:
    match = re.match(r"^/embed(?:-podcast)?/(episode|show|track|album|playlist)/(\w+)", path)
    if match is None:
        return None
    return Embed("audio", f"https://open.spotify.com/{match[1]}/{match[2]}", title)


def _apple_podcasts(path: str, query: dict[str, list[str]], title: str) -> Embed | None:
    if "/podcast/" not in path:
        return None
    episode = _param(query, "i")
    tail = f"?i={episode}" if episode.isdigit() else ""
    return Embed("audio", f"https://podcasts.apple.com{path}{tail}", title)


def _soundcloud(_path: str, query: dict[str, list[str]], title: str) -> Embed | None:
    track = _param(query, "url")
    if not track.startswith(("http://", "https://")):
        return None
    # The player's own page plays the track: the API address it is given does not.
    return Embed("audio", f"https://w.soundcloud.com/player/?url={track}", title)


def _twitter_frame(_path: str, query: dict[str, list[str]], _title: str) -> Embed | None:
    tweet = _param(query, "id")
    return Embed("post", f"https://twitter.com/i/status/{tweet}", "") if tweet.isdigit() else None


def _telegram_frame(path: str, _query: dict[str, list[str]], _title: str) -> Embed | None:
    match = re.match(r"^/(\w{4,40})/(\d+)", path)
    if match is None:
        return None
    return Embed("post", f"https://t.me/{match[1]}/{match[2]}", "", f"@{match[1]}")


def _facebook_frame(path: str, query: dict[str, list[str]], _title: str) -> Embed | None:
    kinds = {"/plugins/post.php": "post", "/plugins/video.php": "video"}
    href = _param(query, "href")
    if path not in kinds or not href.startswith(("http://", "https://")):
        return None
    return Embed(kinds[path], href, "")


def _threads_frame(path: str, _query: dict[str, list[str]], _title: str) -> Embed | None:
    match = re.match(r"^/(@[\w.]+)/post/(\w+)", path)
    if match is None:
        return None
    return Embed("post", f"https://www.threads.net/{match[1]}/post/{match[2]}", "", match[1])


def _fallback_post(node: LexborNode, url: str) -> Embed | None:
    """A page's own tweet player: an iframe of its site whose fallback text (the words a
    browser without frames shows) quotes the tweet as "Twitter: Name - words"."""
    match = _FALLBACK_POST.match(_fallback(node))
    if match is None:
        return None
    return Embed("post", url, _clip(match["words"]), match["name"].strip())


# --- other elements --------------------------------------------------------------------------


def _lite_youtube(node: LexborNode, _base_url: str) -> Embed | None:
    video = node.attributes.get("videoid") or ""
    if not re.match(r"^[\w-]{6,20}$", video):
        return None
    label = node.attributes.get("playlabel") or node.attributes.get("title") or ""
    title = _title(re.sub(r"^Play(?: video)?:\s*", "", label, flags=re.I))
    return Embed("video", f"https://www.youtube.com/watch?v={video}", title)


def _audio(node: LexborNode, base_url: str) -> Embed | None:
    source = node.attributes.get("src") or ""
    if not source:
        inner = node.css_first("source[src]")
        source = inner.attributes.get("src") or "" if inner is not None else ""
    url = _absolute(source, base_url)
    if url is None:
        return None
    title = node.attributes.get("title") or node.attributes.get("aria-label") or ""
    return Embed("audio", url, _title(title))


def _div(node: LexborNode, base_url: str) -> Embed | None:
    return _facebook(node, base_url)


def _script(node: LexborNode, base_url: str) -> Embed | None:
    return _telegram_script(node, base_url)


_PlayerReader = Callable[[str, dict[str, list[str]], str], Embed | None]
_PLAYERS: tuple[tuple[frozenset[str], _PlayerReader], ...] = (
    (frozenset({"youtube.com", "youtube-nocookie.com", "m.youtube.com"}), _youtube),
    (frozenset({"player.vimeo.com"}), _vimeo),
    (frozenset({"dailymotion.com", "geo.dailymotion.com"}), _dailymotion),
    (frozenset({"player.twitch.tv", "clips.twitch.tv"}), _twitch),
    (frozenset({"open.spotify.com"}), _spotify),
    (frozenset({"embed.podcasts.apple.com"}), _apple_podcasts),
    (frozenset({"w.soundcloud.com"}), _soundcloud),
    (frozenset({"platform.twitter.com"}), _twitter_frame),
    (frozenset({"t.me"}), _telegram_frame),
    (frozenset({"facebook.com"}), _facebook_frame),
    (frozenset({"threads.net", "threads.com"}), _threads_frame),
)
_READERS: dict[str, Callable[[LexborNode, str], Embed | None]] = {
    "blockquote": _blockquote,
    "iframe": _iframe,
    "lite-youtube": _lite_youtube,
    "audio": _audio,
    "script": _script,
    "div": _div,
}


# --- helpers ---------------------------------------------------------------------------------


def _absolute(link: str, base_url: str) -> str | None:
    link = html.unescape(link.strip())
    if link.startswith("//"):
        link = "https:" + link
    url = urljoin(base_url, link) if base_url.startswith(("http://", "https://")) else link
    return url if url.startswith(("http://", "https://")) else None


def _no_query(url: str) -> str:
    return url.split("#")[0].split("?")[0]


def _param(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name)
    return unquote(values[0]).strip() if values else ""


def _links(node: LexborNode, base_url: str) -> list[str]:
    found = (_absolute(a.attributes.get("href") or "", base_url) for a in node.css("a[href]"))
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
    return _clip(text.replace(drop, "").strip() if drop else text)


def _handle(node: LexborNode) -> str | None:
    match = _HANDLE.search(node.text(separator=" "))
    return match[1] if match else None


def _title(text: str) -> str:
    """A player's title, unless it is the generic one the platform's code ships with."""
    text = " ".join(text.split())
    return "" if _GENERIC_TITLES.match(text) else _clip(text)


def _clip(text: str) -> str:
    return text if len(text) <= _WORDS_CHARS else text[:_WORDS_CHARS].rsplit(" ", 1)[0] + "…"
