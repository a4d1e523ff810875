"""Players and posts embedded as iframes: the frame's address names the platform and the
item, which becomes its canonical page (a YouTube player's watch page, a Spotify player's
episode page); the helpers the blockquote readers of `embeds` share.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from selectolax.lexbor import LexborNode

from bot.core.extract.links import absolute_link
from bot.core.model import Embed

_WORDS_CHARS = 1000
_TAG = re.compile(r"<[^>]*>")
# The fallback a page writes inside an iframe of its own tweet player ("Twitter: Name - words").
_FALLBACK_POST = re.compile(
    r"^\s*(?:Twitter|X)\s*:\s*(?P<name>[^-–—]{1,60}?)\s+[-–—]\s+(?P<words>.+)", re.DOTALL)
_GENERIC_TITLES = re.compile(r"^(youtube|vimeo|dailymotion|twitch|spotify|soundcloud)?\s*"
                             r"(video )?(player|embed|video|audio|iframe|podcast)?$", re.I)


def frame_embed(node: LexborNode, base_url: str) -> Embed | None:
    """The player or post an iframe shows, or None for a frame of no known platform."""
    src = node.attributes.get("src") or node.attributes.get("data-src") or ""
    url = absolute(src, base_url)
    if url is None:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    title = player_title(node.attributes.get("title") or "")
    if "mastodon-embed" in (node.attributes.get("class") or ""):
        return mastodon_post(url, base_url)
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
    match = _FALLBACK_POST.match(frame_fallback(node))
    if match is None:
        return None
    return Embed("post", url, clip(match["words"]), match["name"].strip())


def mastodon_post(src: str, base_url: str) -> Embed | None:
    """A Mastodon post from its address or its embed frame's, or None for neither."""
    url = absolute(src, base_url)
    if url is None:
        return None
    url = no_query(url).removesuffix("/embed")
    parts = urlsplit(url)
    match = re.match(r"^/(@[\w.-]+)(?:@[\w.-]+)?/\d+$", parts.path)
    if match is None:
        return None
    return Embed("post", url, "", f"{match[1]}@{parts.hostname}")



def frame_fallback(frame: LexborNode) -> str:
    """What an iframe's page wrote inside it for browsers without frames, as plain words (the
    parser keeps an iframe's content as raw markup)."""
    return " ".join(html.unescape(_TAG.sub(" ", frame.text(deep=True))).split())



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


def absolute(link: str, base_url: str) -> str | None:
    """`link` (as an embed code writes it, entities and all) resolved against `base_url`, if it
    is then an http(s) address."""
    return absolute_link(html.unescape(link), base_url)


def no_query(url: str) -> str:
    """`url` without its query and fragment (tracking parameters, embed options)."""
    return url.split("#")[0].split("?")[0]


def _param(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name)
    return unquote(values[0]).strip() if values else ""



def player_title(text: str) -> str:
    """A player's title, unless it is the generic one the platform's code ships with."""
    text = " ".join(text.split())
    return "" if _GENERIC_TITLES.match(text) else clip(text)


def clip(text: str) -> str:
    """`text` within a bound, cut at a word."""
    return text if len(text) <= _WORDS_CHARS else text[:_WORDS_CHARS].rsplit(" ", 1)[0] + "…"
