"""An update's lead picture: one URL of a sensible size, never the page's furniture.

Within an update's own elements the first picture a reader sees is taken (`<img>`,
`<amp-img>`, a `<picture>`'s sources, a `<video>`'s poster), lazy-loading attributes
included; of its sizes the one nearest `_WANTED_WIDTH` wins (a phone shows ~800 px; a 4K
original or a 50 px thumb is no alert picture). Logos, avatars and bylines' headshots,
icons, emoji, spacers, tracking pixels, ads, `data:` URIs and svg are refused. Structured
data's `image` and a feed item's media (`structured_images`, `feed_image`) go by the same
sizes and refusals. URLs stay as the page writes them until `absolute_images` resolves
them against the page's base; only http(s) survive.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.extract.links import absolute_link
from bot.core.model import Entry

_WANTED_WIDTH = 800
_TEMPLATE = "{width}"
# What a URL holds as it stands: reserved characters and escapes already made.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# Longer than this, a URL is no picture's.
_MAX_URL = 2048
_IMAGE_FILES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
# A declared side below this is an icon, an avatar or a tracking pixel, not a picture.
_MIN_SIDE = 100
_IMAGE_TAGS = "img, amp-img, video[poster]"
_IMAGE_TAG_NAMES = frozenset({"img", "amp-img", "video"})
# Elements a flat run is made of, small enough to walk.
_SMALL_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "span", "strong", "b", "em",
                         "i", "a", "font", "dt", "dd", "figure", "picture"})
# Past this many pictures of furniture an update has none of its own (and a hostile page
# of nothing but icons costs no more).
_MAX_IMAGES = 24
# How far above a picture its furniture wrapper may sit: a byline box is a few levels up,
# and a page nested thousands deep must not cost depth squared.
_MAX_CLIMB = 12
_SOURCE_ATTRIBUTES = ("data-srcset", "srcset", "data-lazy-srcset")
_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "src")
# Furniture, by the words its markup or file name uses (a word is a run of letters and digits).
_FURNITURE = re.compile(
    r"(?<![a-z0-9])(logos?|avatars?|authors?|bylines?|headshots?|contributors?|profile|"
    r"icons?|favicon|emojis?|smiley|spacer|pixel|1x1|blank|transparent|sprites?|badges?|"
    r"ads?|advert\w*|sponsor\w*|doubleclick|adserver|tracking|beacon|gravatar|teasers?|promo)"
    r"(?![a-z0-9])",
)
# A publisher's stand-in file, by its name (lazy-loading boxes call themselves placeholders).
_STAND_IN = re.compile(r"(?<![a-z0-9])(default|placeholder|fallback|no-?image)(?![a-z0-9])")
# Elements an update's own picture never sits in: its footer, navigation, a related card,
# a quoted post (whose picture is the post's, and goes with its embed line).
_FURNITURE_TAGS = frozenset({"footer", "nav", "aside", "svg", "blockquote"})
_PIXELS = re.compile(r"(\d+)px")
_MEDIA_CONDITION = re.compile(r"\([^)]*\)")
# Candidates are split at a comma and spaces, or at a comma that starts another URL (a
# comma inside a URL, "crop=2859,1787", is neither).
_SRCSET_COMMA = re.compile(r",\s+|,(?=https?:|/)")
_DESCRIPTOR = re.compile(r"^(\d+(?:\.\d+)?)([wx])$", re.IGNORECASE)
_WIDTH_PARAMETER = re.compile(r"[?&](?:width|w)=(\d{2,4})(?:&|$)")
_DENSITY_PARAMETER = re.compile(r"[?&]dpr=(\d(?:\.\d+)?)(?:&|$)")


def lead_image(nodes: Iterable[LexborNode]) -> str | None:
    """The first picture in an update's `nodes` that is not furniture: its URL as written
    (resolve it with `absolute_images`), or None."""
    for node in nodes:
        if node.tag == "-text":
            continue
        found = _picture_of(node, node) if node.tag in _IMAGE_TAG_NAMES else None
        if found is not None:
            return found
        for image in _images_in(node):
            found = _picture_of(image, node)
            if found is not None:
                return found
    return None


def _images_in(node: LexborNode) -> list[LexborNode]:
    """The first `_MAX_IMAGES` pictures under `node`, walked to: a paragraph of a flat run
    holds a handful of nodes (a walk costs a tenth of a CSS query), and a block is walked
    only when a query says it holds a picture (a walk stops early where a query would list
    ten thousand icons)."""
    if node.tag not in _SMALL_TAGS and node.css_first(_IMAGE_TAGS) is None:
        return []
    found = []
    for child in node.traverse():
        if child.tag in _IMAGE_TAG_NAMES:
            found.append(child)
            if len(found) == _MAX_IMAGES:
                break
    return found


def _picture_of(image: LexborNode, root: LexborNode) -> str | None:
    """The URL of a sensible size `image` (and its `<picture>`'s sources) offers, unless it is
    furniture inside the update's element `root`."""
    if _is_furniture(image, root):
        return None
    sized = _sources(image)
    return best_size(sized, _declared_width(image))


def _sources(image: LexborNode) -> list[tuple[str, float | None]]:
    """Every (URL, width) the image offers: its srcset and src, lazy ones first, and those of
    the `<source>` elements of the `<picture>` around it; a video's poster."""
    if image.tag == "video":  # its poster: what a reader sees before pressing play
        return [((image.attributes.get("poster") or "").strip(), _declared_width(image))]
    found = _own_sources(image.attributes, _declared_width(image))
    parent = image.parent
    if parent is not None and parent.tag == "picture":
        for source in parent.iter():
            kind = source.attributes.get("type") or ""
            if source.tag == "source" and (not kind or kind in ("image/jpeg", "image/png")):
                found.extend(_own_sources(source.attributes, None))
    return found


def _own_sources(
    attributes: dict[str, str | None], width: float | None
) -> list[tuple[str, float | None]]:
    found: list[tuple[str, float | None]] = []
    for name in _SOURCE_ATTRIBUTES:
        found.extend(_parse_srcset(attributes.get(name) or "", width))
    for name in _SRC_ATTRIBUTES:
        value = (attributes.get(name) or "").strip()
        size = width
        if _TEMPLATE in value:
            value, size = _filled(value, attributes.get("data-widths") or "")
        if value and not value.startswith("data:"):
            found.append((value, size or _width_in_url(value)))
    return found


def _filled(url: str, widths: str) -> tuple[str, float | None]:
    """A lazy-loading template ("/cps/{width}/photo.jpg") filled with the width nearest the
    wanted one of those its `data-widths` offers; "" when it offers none."""
    offered = [int(n) for n in re.findall(r"\d+", widths)]
    if not offered:
        return "", None
    chosen = min(offered, key=lambda n: (abs(n - _WANTED_WIDTH), -n))
    return url.replace(_TEMPLATE, str(chosen)), float(chosen)


def _parse_srcset(value: str, width: float | None = None) -> list[tuple[str, float | None]]:
    """A `srcset`'s (URL, width) pairs; an "x" descriptor scales the declared `width`."""
    found: list[tuple[str, float | None]] = []
    for part in _SRCSET_COMMA.split(value.strip()):
        pieces = part.split()
        if not pieces or pieces[0].startswith("data:"):
            continue
        size = _DESCRIPTOR.match(pieces[-1]) if len(pieces) > 1 else None
        if size is None:
            found.append((pieces[0], width or _width_in_url(pieces[0])))
        elif size.group(2).lower() == "w":
            found.append((pieces[0], float(size.group(1))))
        else:
            found.append((pieces[0], width * float(size.group(1)) if width else None))
    return found


def best_size(sized: Sequence[tuple[str, float | None]], declared: float | None = None
              ) -> str | None:
    """Of one picture's URLs, the one whose width is nearest `_WANTED_WIDTH` (a larger one on
    a tie); the first when none tells its width. None when there is none that may be a
    picture, or when the picture is declared too small to be one."""
    if not sized or (declared is not None and declared < _MIN_SIDE):
        return None
    ranked = sorted((item for item in sized if item[1]),
                    key=lambda item: (abs((item[1] or 0) - _WANTED_WIDTH), -(item[1] or 0)))
    ranked.extend(item for item in sized if not item[1])
    return next((url for url, _ in ranked if _usable_url(url)), None)


def _usable_url(url: str) -> bool:
    """Whether `url` may be a picture: not too long, no data: or script URI, no svg, no
    template, no furniture's or stand-in's file name."""
    lowered = url.lower()
    if len(url) > _MAX_URL or lowered.startswith(("data:", "javascript:", "blob:", "about:")):
        return False
    path = lowered.split("?", 1)[0].split("#", 1)[0]
    return (not path.endswith(".svg") and "{" not in path
            and _FURNITURE.search(path) is None and _STAND_IN.search(path) is None)


def _is_furniture(image: LexborNode, root: LexborNode) -> bool:
    """Whether `image` is a logo, avatar, icon, pixel, ad or a byline's portrait: by its size,
    by the words of its own markup, or by an element around it within `root`."""
    attributes = image.attributes
    for side in ("width", "height"):
        size = _number(attributes.get(side))
        if size is not None and size < _MIN_SIDE:
            return True
    sizes = _MEDIA_CONDITION.sub("", attributes.get("sizes") or "")
    shown = [int(n) for n in _PIXELS.findall(sizes)] if "px" in sizes else []
    if shown and max(shown) < _MIN_SIDE:
        return True  # "(min-width: 600px) 56px, 48px": an avatar, whatever its files' sizes
    if _says_furniture(f"{attributes.get('class') or ''} {attributes.get('id') or ''}"):
        return True
    current = image.parent
    in_figure = False
    for _ in range(_MAX_CLIMB):
        if current is None or current.mem_id == root.mem_id:
            break
        in_figure = in_figure or current.tag == "figure"
        if current.tag == "header" and not in_figure:
            return True  # the byline's portrait; a figure in a header is the update's own
        if current.tag in _FURNITURE_TAGS or _says_furniture(
                f"{current.attributes.get('class') or ''} {current.attributes.get('id') or ''}"):
            return True
        if current.tag == "a" and _links_away(current.attributes.get("href") or ""):
            return True  # a card for another story: its picture, not this update's
        current = current.parent
    return False


def _says_furniture(text: str) -> bool:
    """Whether a class list or id names furniture in one of its words."""
    return bool(text.strip()) and _FURNITURE.search(text.lower()) is not None


def _links_away(href: str) -> bool:
    """Whether a link around a picture leads to another page rather than to the picture
    itself (a full-size file) or to a place on this page."""
    return bool(href.split("?", 1)[0].split("#", 1)[0]) and not _image_file(href)


def _declared_width(image: LexborNode) -> float | None:
    return _number(image.attributes.get("width"))


def _number(value: str | None) -> float | None:
    if not value:
        return None
    digits = value.strip().removesuffix("px")
    try:
        return float(digits)
    except ValueError:
        return None


def _width_in_url(url: str) -> float | None:
    """A width an image service writes in the URL's query ("?width=700&dpr=2" is 1400)."""
    found = _WIDTH_PARAMETER.search(url)
    if found is None:
        return None
    density = _DENSITY_PARAMETER.search(url)
    return float(found.group(1)) * (float(density.group(1)) if density else 1.0)


def structured_images(values: list[Any], page_value: Any) -> list[str | None]:
    """The picture each structured update's JSON-LD `image` names (a URL, an ImageObject or a
    list of either; the size nearest the wanted width where they tell it), without those
    that are the page's, not theirs: its own `page_value`, or one several updates name (a
    default filled in, as placeholder dates are)."""
    offered = [_structured_sizes(value) for value in values]
    counts = Counter(offered)
    picked = {sizes: best_size(sizes) for sizes in counts if counts[sizes] == 1 and sizes}
    page_image = best_size(_structured_sizes(page_value))
    return [None if picked.get(sizes) == page_image else picked.get(sizes) for sizes in offered]


def _structured_sizes(value: Any) -> tuple[tuple[str, float | None], ...]:
    items = value if isinstance(value, list) else [value]
    sized: list[tuple[str, float | None]] = []
    for item in items[:20]:
        if isinstance(item, str):
            sized.append((item.strip(), None))
        elif isinstance(item, dict):
            url = item.get("url") or item.get("contentUrl") or item.get("@id")
            if isinstance(url, str):
                sized.append((url.strip(), _number(str(item.get("width") or "")) or None))
    return tuple(sized)


def absolute_images(
    entries: tuple[Entry, ...], tree: LexborHTMLParser, url: str, canonical: str
) -> tuple[Entry, ...]:
    """`entries` with each image resolved against the page's base (`_image_base`); an image
    that is not then an http(s) URL is dropped."""
    if all(entry.image is None for entry in entries):
        return entries
    base = _image_base(tree, url, canonical)
    return tuple(entry if entry.image is None else replace(entry, image=absolute(entry.image, base))
                 for entry in entries)


def _image_base(tree: LexborHTMLParser, url: str, canonical: str) -> str:
    """What the page's relative URLs are relative to: its `<base href>`, else its own URL;
    for a page read from a file, the `canonical` URL it names stands for its own."""
    page = url if url.startswith(("http://", "https://")) else canonical
    base = tree.css_first("base[href]")
    href = (base.attributes.get("href") or "").strip() if base is not None else ""
    return urljoin(page, href) if href else page


def absolute(url: str, base: str) -> str | None:
    """`url` resolved against `base` when it is http(s) then, else None; characters a URL
    may not hold as they stand (spaces, non-ASCII letters) percent-encoded."""
    resolved = absolute_link(url, base)
    return None if resolved is None else quote(resolved, safe=_URL_SAFE)


def feed_image(item: Mapping[str, Any], markup: str = "") -> str | None:
    """A feed item's picture, as feedparser reads it: Media RSS content of an image medium
    or type (or an image file of none), else its thumbnail, else an image enclosure, else
    the first picture file of its HTML `markup` (a feed's counters and share buttons are
    scripts, not files); absolute http(s) URLs only, a relative one read from the item's link."""
    sized: list[tuple[str, float | None]] = []
    for media in _dicts(item.get("media_content")):
        kind = str(media.get("medium") or media.get("type") or "")
        url = str(media.get("url") or "")
        if kind == "image" or kind.startswith("image/") or (not kind and _image_file(url)):
            sized.append((url, _number(str(media.get("width") or ""))))
    if not sized:
        sized = [(str(thumb.get("url") or ""), _number(str(thumb.get("width") or "")))
                 for thumb in _dicts(item.get("media_thumbnail"))]
    if not sized:
        sized = [(str(enclosure.get("href") or ""), None)
                 for enclosure in _dicts(item.get("enclosures"))
                 if str(enclosure.get("type") or "").startswith("image/")]
    chosen = best_size(sized)
    if chosen is None and "<img" in markup:
        root = LexborHTMLParser(f"<div>{markup}</div>").css_first("div")
        chosen = lead_image([root]) if root is not None else None
        chosen = chosen if chosen is not None and _image_file(chosen) else None
    link = item.get("link")
    return absolute(chosen, link if isinstance(link, str) else "") if chosen else None


def _image_file(url: str) -> bool:
    return url.split("?", 1)[0].split("#", 1)[0].lower().endswith(_IMAGE_FILES)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
