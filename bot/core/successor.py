"""Whether a followed live page ended and points to its continuation (docs/BEHAVIOUR.md,
Successors): the leads one check finds, and what makes a lead's page a successor.

Signals, strongest first: a new permanent redirect (301, 308) to another page; a closing
line or banner linking to another page ("this blog is now closed, follow our new live
blog"); the structured coverage end passed, with a link naming a live page; a canonical link
that moved to another page. A lead is kept only on the page's own site; the app fetches it
and moves the page's followers only when `refusal` finds nothing against it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.core.model import Fetched, Page

COVERAGE_GRACE = timedelta(hours=1)
"""How long past its coverage end a page must be before its links are leads: publishers that
write the latest update's time there would otherwise end every quiet hour."""
MIN_TIMED_UPDATES = 2
"""A successor is a live page: it shows at least this many timed updates."""
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "gv"})


@dataclass(frozen=True, slots=True)
class Lead:
    """A page that may continue the story, and the signal that pointed to it."""

    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class Seen:
    """What the story's previous checks recorded: the final URL and canonical link."""

    url: str
    final_url: str | None
    canonical_url: str | None


def successor_leads(seen: Seen, fetched: Fetched, page: Page, now: datetime
                    ) -> tuple[Lead, ...]:
    """The pages this check says may continue the story, strongest signal first, each on the
    story's site and none the story's own page."""
    leads = [*_moved(seen, fetched), *(Lead(url, "closing line") for url in page.closing_links),
             *_coverage_ended(page, now), *_canonical_moved(seen, fetched, page)]
    own = [name for name in (seen.url, seen.final_url, seen.canonical_url) if name]
    kept: list[Lead] = []
    for lead in leads:
        known = [*own, *(earlier.url for earlier in kept)]
        if same_site(lead.url, seen.url) and not any(same_page(lead.url, url) for url in known):
            kept.append(lead)
    return tuple(kept)


def refusal(reached: str, page: Page, chain: frozenset[str], origin: str) -> str | None:
    """Why the page at `reached` (a lead's URL, after any redirects), extracted as `page`,
    cannot continue the story at `origin` whose chain of pages so far is `chain`; None when
    it can."""
    if any(same_page(reached, name) for name in chain):
        return f"{reached} is already in this story's chain of pages (a loop)"
    if not same_site(reached, origin):
        return f"{reached} is on another site than {origin}"
    timed = sum(entry.published_at is not None for entry in page.entries)
    if timed < MIN_TIMED_UPDATES:
        return f"{reached} is not a live page (it shows {timed} timed updates)"
    return None


def _moved(seen: Seen, fetched: Fetched) -> list[Lead]:
    # A redirect the story already had when it was followed is its address, not a move.
    moved = fetched.moved_to
    if moved is None or (seen.final_url is not None and same_page(moved, seen.final_url)):
        return []
    return [Lead(moved, "permanent redirect")]


def _coverage_ended(page: Page, now: datetime) -> list[Lead]:
    end = page.coverage_end
    if end is None or end + COVERAGE_GRACE > now:
        return []
    newest = max((e.published_at for e in page.entries if e.published_at), default=None)
    if newest is not None and newest > end + timedelta(minutes=1):
        return []  # updates after the stated end: the page runs on
    return [Lead(url, "coverage end") for url in page.next_links]


def _canonical_moved(seen: Seen, fetched: Fetched, page: Page) -> list[Lead]:
    # Only a change counts: many pages name another page (AMP, a slug) from the start. And
    # only a link the page writes: without one, the canonical URL is where it was served
    # (a temporary redirect is no move).
    canonical = page.canonical_url
    if (canonical is None or seen.canonical_url is None
            or same_page(canonical, seen.canonical_url)
            or same_page(canonical, fetched.final_url)):
        return []
    return [Lead(canonical, "canonical link")]


def same_page(first: str, second: str) -> bool:
    """Whether two URLs name one page: scheme, a leading "www.", a trailing slash and the
    fragment aside."""
    return _page_key(first) == _page_key(second)


def _page_key(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return host, parts.path.rstrip("/") or "/", parts.query


def same_site(first: str, second: str) -> bool:
    """Whether two URLs are on one site: the same registrable domain (an address: the same
    address)."""
    return site_of(urlsplit(first).hostname or "") == site_of(urlsplit(second).hostname or "")


def site_of(host: str) -> str:
    """The registrable domain of `host` (news.example.co.uk: example.co.uk); an IP address
    is a site of its own."""
    host = host.lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])
