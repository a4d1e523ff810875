"""Links as a page writes them, made absolute: the one way extraction resolves an address."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

WEB = ("http://", "https://")


def absolute_link(href: str, base: str) -> str | None:
    """`href` resolved against `base`, when that gives an http(s) URL with a host, else None
    (a script or data URI, a relative link on a page read from a file, a malformed address).

    A protocol-relative link on a page read from a file is taken as https.
    """
    href = href.strip()
    if href.startswith("//") and not base.startswith(WEB):
        href = "https:" + href
    try:
        url = urljoin(base, href)
        host = urlsplit(url).hostname
    except ValueError:  # an unclosed IPv6 bracket: a hostile page must not stop extraction
        return None
    return url if url.startswith(WEB) and host else None
