"""Story URL normalisation (bot/edges/urls.py, docs/BEHAVIOUR.md, Words)."""

from __future__ import annotations

import re

import pytest

from bot.core.errors import BadUrl
from bot.edges.urls import normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com/a#latest-update", "http://example.com/a"),
        ("  http://example.com/a  ", "http://example.com/a"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a/b/..", "http://example.com/a/"),
        ("http://example.com/Case/Kept", "http://example.com/Case/Kept"),
    ],
)
def test_scheme_host_port_fragment_and_path_are_normalised(url: str, expected: str) -> None:
    """Case, default port, fragment, trailing host dot and dot segments are normalised."""
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://example.com/live?utm_source=tw&id=7&utm_medium=social&page=2",
            "https://example.com/live?id=7&page=2",
        ),
        (
            "https://www.bbc.co.uk/news/live/x?at_medium=RSS&at_campaign=rss&post=asset%3A1",
            "https://www.bbc.co.uk/news/live/x?post=asset%3A1",
        ),
        (
            "https://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref_src=twsrc&ocid=5",
            "https://example.com/a",
        ),
        ("https://example.com/a?UTM_Source=x&b=2&a=1", "https://example.com/a?b=2&a=1"),
        ("https://example.com/a?q=a+b&r=%2F&&s=", "https://example.com/a?q=a+b&r=%2F&s="),
        ("https://example.com/a?", "https://example.com/a"),
    ],
)
def test_tracking_parameters_are_dropped_and_the_rest_kept_in_order(url: str, expected: str) -> None:
    """utm_*, at_*, click ids and newsletter ids go; other parameters stay as written."""
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://bücher.de/straße?q=ü", "http://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%BC"),
        ("http://BÜCHER.de/", "http://xn--bcher-kva.de/"),
        ("http://xn--bcher-kva.de/", "http://xn--bcher-kva.de/"),
        ("http://my_host.example.com/", "http://my_host.example.com/"),
        ("http://example.com/a b".replace(" ", "%20"), "http://example.com/a%20b"),
    ],
)
def test_hosts_are_idna_encoded_and_paths_percent_encoded(url: str, expected: str) -> None:
    """International hosts become punycode; non-ASCII path and query become %-escapes."""
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("http://0177.0.0.1:8080/", "http://127.0.0.1:8080/"),
        ("http://127.0.0.1./", "http://127.0.0.1/"),
        ("http://%31%32%37.0.0.1/", "http://127.0.0.1/"),
        ("http://１２７.０.０.１/", "http://127.0.0.1/"),
        ("http://[::FFFF:127.0.0.1]/", "http://[::ffff:7f00:1]/"),
        ("http://[2001:DB8:0::1]:8080/", "http://[2001:db8::1]:8080/"),
    ],
)
def test_ip_hosts_are_written_canonically(url: str, expected: str) -> None:
    """Every spelling of an address becomes the one the guard checks and the client connects to."""
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("data:text/html,<b>hi</b>", "http:// or https://"),
        ("example.com/live", "http:// or https://"),
        ("//example.com/live", "http:// or https://"),
        ("", "no URL"),
        ("http://", "no host"),
        ("http:///path", "no host"),
        ("http://example.com@127.0.0.1/", "user name or password"),
        ("http://user:pass@example.com/", "user name or password"),
        ("http://example.com\\@127.0.0.1/", "backslashes"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com/a\nb", "control characters"),
        ("http://example.com:99999/", "malformed"),
        ("http://example.com:port/", "malformed"),
        ("http://[::1/", "malformed"),
        ("http://[fe80::1%25eth0]/", "IPv6"),
        ("http://a..b/", "invalid host"),
        ("http://exa$mple.com/", "invalid host"),
        ("http://256.1.1.1/", "invalid IP"),
        ("http://1.2.3.4.5/", "invalid IP"),
        ("http://" + "a" * 64 + ".com/", "invalid host"),
        ("http://example.com/" + "a" * 5000, "longer than"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    """Non-web schemes, missing hosts, user info and malformed hosts raise BadUrl naming why."""
    with pytest.raises(BadUrl, match=re.escape(reason)) as caught:
        normalize_url(url)
    assert "\n" not in str(caught.value)


def test_normalising_twice_changes_nothing() -> None:
    """A normalised URL is its own normal form, so stored URLs compare equal."""
    once = normalize_url("HTTPS://Bücher.DE:443/a/../b?utm_id=1&x=%20y#f")
    assert normalize_url(once) == once
