"""Hostile and broken pages by name: what a stranger's server could send as a story.

Shared by the malformed-page tests and `bench/hostile_pages.py`; each body is built lazily,
so importing this module is quick.
"""

from __future__ import annotations

import json
from collections.abc import Callable


def live_page(count: int) -> str:
    """A live blog of `count` timestamped article blocks, newest first."""
    blocks = "".join(
        f'<article class="update" id="u{n}"><time datetime="2024-02-03T{n // 60 % 24:02d}:'
        f'{n % 60:02d}:00Z">{n % 60:02d}:00</time><p>Update {n}: rescue teams reach village {n}.'
        f"</p></article>" for n in range(count, 0, -1))
    return f"<!doctype html><html><head><title>Live</title></head><body><main>{blocks}</main></body></html>"


def json_ld(updates: object, extra: str = "") -> str:
    """A page whose JSON-LD LiveBlogPosting has `updates` as its liveBlogUpdate."""
    posting = {"@context": "https://schema.org", "@type": "LiveBlogPosting",
               "headline": "Live", "liveBlogUpdate": updates}
    return (f'<html><head><script type="application/ld+json">{json.dumps(posting)}{extra}'
            f"</script></head><body><p>body</p></body></html>")


def feed(items: str, prolog: str = "") -> str:
    return (f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>Feed</title>'
            f"{items}</channel></rss>")


def _posting(date: object, body: object = "An update.", ident: str = "#x") -> dict[str, object]:
    return {"@type": "BlogPosting", "@id": ident, "datePublished": date, "articleBody": body}


BILLION_LAUGHS = feed("<item><title>&lol9;</title><pubDate>Sat, 03 Feb 2024 14:52:00 GMT"
                      "</pubDate></item>", prolog="<!DOCTYPE rss [<!ENTITY lol \"lol\">" + "".join(
    f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
    for n in range(1, 10)) + "]>")
XXE = feed("<item><title>&xxe;</title><description>&xxe;</description>"
           "<pubDate>Sat, 03 Feb 2024 14:52:00 GMT</pubDate></item>",
           prolog='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')

# name -> (body, content type); bodies are built lazily so collection stays quick.
BROKEN: dict[str, Callable[[], tuple[bytes | str, str]]] = {
    "truncated-mid-tag": lambda: (live_page(50)[:4000] + "<artic", "text/html"),
    "truncated-mid-attribute": lambda: (live_page(50)[:3000] + '<time datetime="2024-02-0', ""),
    "truncated-json-ld": lambda: (json_ld([_posting("2024-02-03T14:52:00Z")])[:150], "text/html"),
    "truncated-feed": lambda: (feed("<item><title>x</title><pubDate>Sat, 03 Feb")[:-10], ""),
    "truncated-utf8": lambda: ("<p>14:52 GMT Ünïcödé</p>".encode()[:-3], "text/html"),
    "100k-nested-divs": lambda: ("<div>" * 100_000 + "14:52 GMT deep" + "</div>" * 100_000,
                                 "text/html"),
    "100k-unclosed-divs": lambda: ("<div><p>14:52 GMT x" * 100_000, "text/html"),
    "100k-nested-tables": lambda: ("<table><tr><td>" * 30_000 + "14:52", "text/html"),
    "nested-json-ld-arrays": lambda: (json_ld([]).replace("[]", "[" * 100_000 + "]" * 100_000),
                                      "text/html"),
    "nested-json-ld-objects": lambda: (json_ld([]).replace("[]", '{"a":' * 50_000 + "1" +
                                                           "}" * 50_000), "text/html"),
    "nested-feed-elements": lambda: (feed("<item>" + "<x>" * 50_000 + "</x>" * 50_000 +
                                          "</item>"), "application/rss+xml"),
    "10mb-attribute": lambda: (f'<p title="{"x" * 10_000_000}">14:52 GMT big</p>', "text/html"),
    "100k-attributes": lambda: ("<p " + " ".join(f"a{n}=1" for n in range(100_000)) +
                                ">14:52 GMT many</p>", "text/html"),
    "huge-datetime-attribute": lambda: (f'<article><time datetime="{"2024" * 250_000}">14:52'
                                        f"</time><p>x</p></article>" * 3, "text/html"),
    "huge-epoch-attribute": lambda: ('<article data-timestamp="9' + "9" * 400 + '"><p>14:52 '
                                     "update</p></article>" * 3, "text/html"),
    "invalid-utf8-declared": lambda: (b'<meta charset="utf-8"><p>14:52 GMT \xff\xfe\xc3(</p>',
                                      "text/html"),
    "unknown-charset": lambda: (b"<p>14:52 GMT x</p>", "text/html"),
    "bogus-meta-charset": lambda: (b'<meta charset="../../etc/passwd"><p>14:52 GMT x</p>',
                                   "text/html"),
    "utf16-without-bom": lambda: ("<p>14:52 GMT x</p>".encode("utf-16-le"), "text/html"),
    "bom-contradicts-meta": lambda: (b'\xef\xbb\xbf<meta charset="utf-16"><p>14:52 GMT x</p>',
                                     "text/html"),
    "latin1-labelled-utf8": lambda: ("<p>14:52 GMT café à Noël</p>".encode("latin-1"), "text/html"),
    "10k-entries": lambda: (live_page(10_000), "text/html"),
    "10k-json-ld-updates": lambda: (json_ld([
        _posting(f"2024-02-03T{n // 60 % 24:02d}:{n % 60:02d}:00Z", f"Update {n}.", f"#u{n}")
        for n in range(10_000)]), "text/html"),
    "10k-json-ld-same-id": lambda: (json_ld([
        _posting(f"2024-02-03T{n // 60 % 24:02d}:{n % 60:02d}:00Z", f"Update {n}.")
        for n in range(10_000)]), "text/html"),
    "10k-feed-items": lambda: (feed("".join(
        f"<item><guid>g{n}</guid><title>Item {n}</title><pubDate>Sat, 03 Feb 2024 "
        f"{n // 60 % 24:02d}:{n % 60:02d}:00 GMT</pubDate></item>" for n in range(10_000))),
        "application/rss+xml"),
    "10k-text-lines": lambda: ("\n".join(f"{n // 60 % 24:02d}:{n % 60:02d} GMT update {n}"
                                         for n in range(10_000)), "text/plain"),
    "binary-junk": lambda: (bytes(range(256)) * 4096, ""),
    "png-as-html": lambda: (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100, "text/html"),
    "nul-bytes": lambda: (b"\x00" * 1_000_000, "text/html"),
    "nul-inside-html": lambda: (b"<p>14:52 GMT a\x00b</p>" * 1000, "text/html"),
    "nul-after-4k": lambda: (b"<p>14:52 GMT a</p>" * 300 + b"\x00" * 1000, "text/html"),
    "10mb-single-line-html": lambda: ("<p>" + "14:52 GMT word " * 700_000 + "</p>", "text/html"),
    "10mb-single-line-text": lambda: ("a" * 10_000_000, "text/plain"),
    "10mb-no-spaces-digits": lambda: ("1:" * 5_000_000, "text/plain"),
    "10mb-of-times": lambda: ("14:52 " * 1_700_000, "text/plain"),
    "unclosed-comment": lambda: ("<p>14:52 GMT x</p><!--" + "y" * 5_000_000, "text/html"),
    "unclosed-script": lambda: ("<script>" + "var a = '<p>14:52</p>';" * 200_000, "text/html"),
    "json-ld-wrong-types": lambda: (json_ld([None, 1, "x", [], {"@type": 5},
                                             _posting(12345, ["list"]), _posting(None, None),
                                             _posting({"a": 1}, {"b": 2})]), "text/html"),
    "json-ld-update-not-a-list": lambda: (json_ld("just a string"), "text/html"),
    "json-ld-dates-out-of-range": lambda: (json_ld([
        _posting("9999-12-31T23:59:59-23:59"), _posting("0001-01-01T00:00:00+14:00"),
        _posting("99999-01-01T00:00:00Z"), _posting("2024-13-45T25:61:61Z"),
        _posting("-0001-01-01"), _posting("2024-02-03T14:52:00+99:99")]), "text/html"),
    "json-ld-broken-json": lambda: (json_ld([]).replace("[]", "[{,,}") , "text/html"),
    "billion-laughs-feed": lambda: (BILLION_LAUGHS, "application/rss+xml"),
    "xxe-feed": lambda: (XXE, "application/rss+xml"),
    "feed-dates-out-of-range": lambda: (feed(
        "<item><title>a</title><pubDate>Fri, 31 Dec 9999 23:59:59 -2359</pubDate></item>"
        "<item><title>b</title><pubDate>Mon, 01 Jan 0001 00:00:00 +1400</pubDate></item>"
        "<item><title>c</title><pubDate>Thu, 99 Foo 2024 99:99:99 GMT</pubDate></item>"),
        "application/rss+xml"),
    "atom-garbage": lambda: ('<feed xmlns="http://www.w3.org/2005/Atom"><entry><updated>'
                             + "x" * 100_000 + "</updated></entry></feed>", ""),
    "text-dates-out-of-range": lambda: ("31 December 9999\n23:59 GMT last\n"
                                        "1 January 0001\n00:00 +1400 first\n", "text/plain"),
    "many-time-elements": lambda: ("<p>" + "<time datetime='2024-02-03T14:52Z'>14:52</time>"
                                   * 50_000 + "</p>", "text/html"),
    "rtl-and-zero-width": lambda: ("<article><time datetime='2024-02-03T14:52Z'>14:52</time>"
                                   "<p>\u202eevil\u200b\u2066text\ufeff</p></article>" * 50,
                                   "text/html"),
    "pictures-nested-deep": lambda: (live_page(3).replace(
        "</p></article>", "</p>" + '<div class="x"><img src="/p.jpg">' * 400 + "</div>" * 400
        + "</article>", 1), "text/html"),
    "100k-icons-in-updates": lambda: (live_page(10).replace(
        "</p></article>", "</p>" + '<img src="/i.png" width="16">' * 10_000 + "</article>"),
        "text/html"),
    "huge-srcset": lambda: (live_page(3).replace("</p></article>", '</p><img srcset="' + ", ".join(
        f"/p{n}.jpg {n}w" for n in range(200_000)) + '"></article>', 1), "text/html"),
}
