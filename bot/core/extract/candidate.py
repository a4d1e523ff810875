"""What one source proposes for one update, before sources are merged."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.core.extract.clock import Shown
from bot.core.model import Embed

# How much a source's instant is trusted, highest first.
RANK_ATTRIBUTE = 5  # a datetime attribute with an explicit offset, on a visible time
RANK_STRUCTURED = 4  # JSON-LD / microdata / feed dates that passed the placeholder check
RANK_EPOCH = 3  # epoch numbers in data attributes
RANK_SHOWN = 2  # visible clock text, resolved with the page's zone and dates
RANK_RELATIVE = 1  # "5 min ago", resolved against the fetch time
RANK_NONE = 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of time evidence an update carries: what it is (`kind`), the instant it
    gives and the clock it shows, where it has them."""

    kind: str
    at: datetime | None = None
    shown: Shown | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One update as one source sees it.

    `instant` is an aware UTC time with `rank` saying how trustworthy it is;
    `shown` is a visible clock time still to be dated; `ident` is the source's own id;
    `basis` says what the instant came from and `evidence` what time evidence was seen;
    `image` is the update's lead picture as the source writes its URL; `embeds` what the
    update quotes or plays.
    """

    source: str
    text: str
    title: str | None = None
    ident: str | None = None
    url: str | None = None
    instant: datetime | None = None
    rank: int = RANK_NONE
    shown: Shown | None = None
    updated_at: datetime | None = None
    header_day: tuple[int | None, int, int] | None = None
    basis: str = ""
    evidence: tuple[Evidence, ...] = ()
    image: str | None = None
    embeds: tuple[Embed, ...] = ()


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, accents kept, punctuation and spacing removed: for matching texts."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _NON_WORD.sub("", text.casefold())


def derived_key(shown: Shown | None, title: str | None, text: str) -> str:
    """A key for an update without an id: the clock it shows and a hash of its opening words.

    Never the date dating derived for it: a page that re-dates its updates (a pinned post
    above them, a date line appearing) must not turn known updates into new ones.
    """
    stamp = f"{shown.hour:02d}:{shown.minute:02d}" if shown is not None else "-"
    digest = hashlib.sha1(normalise(f"{title or ''} {text[:800]}")[:200].encode()).hexdigest()[:12]
    return f"t:{stamp}:{digest}"
