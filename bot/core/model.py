"""The domain's values: what crosses a layer is one of these, frozen.

Times are timezone-aware `datetime`s in UTC everywhere inside the program;
only rendering converts them to a chat's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DATED_NOT = 0
"""An entry's time strength (`Entry.dated`): no time."""
DATED_BY_FETCH = 1
"""Its day assumed from the fetch (the page gives no date), or a relative age."""
DATED_BY_PAGE = 2
"""Its day taken from the page's own date."""
DATED_OWN = 3
"""Its own full date or instant (an attribute, structured data, a date or day header beside it)."""


@dataclass(frozen=True, slots=True)
class Embed:
    """Something an update quotes or plays, kept as a line rather than raw markup.

    `kind` is "video", "audio" or "post" (a quoted social post); `author` names the quoted
    account or channel when the page shows it; `text` is its words or title, if any.
    """

    kind: str
    url: str
    text: str = ""
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One update inside a story, as extracted from one fetch.

    `dated` is how strong the evidence for `published_at` is (DATED_*): a later fetch moves a
    stored update's time only on stronger evidence. It is not part of the entry's value.
    `image` is the absolute URL of the update's lead picture; `embeds` what it quotes or plays.
    """

    key: str
    published_at: datetime | None
    text: str
    title: str | None = None
    updated_at: datetime | None = None
    url: str | None = None
    dated: int = field(default=DATED_OWN, compare=False)
    image: str | None = None
    embeds: tuple[Embed, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """What extraction makes of one fetched document: newest entry first."""

    title: str | None
    entries: tuple[Entry, ...]
    canonical_url: str | None = None
    # Candidates past extraction's caps, by kind ("time elements", "feed items", ...).
    ignored: tuple[tuple[str, int], ...] = ()
    feed: bool = False
    """Whether the document is a feed (RSS, Atom, JSON Feed) rather than a page."""
    # When the page's structured data says its coverage ends (successors, bot.core.successor).
    coverage_end: datetime | None = None
    # Absolute links in the page's closing line or banner ("follow our new live blog"),
    # in page order; once the coverage has ended, links in short lines naming a live page.
    closing_links: tuple[str, ...] = ()
    next_links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipe:
    """Site-specific CSS selectors: the last resort when generic extraction fails.

    `host` matches the page's host or any parent domain of it.
    `entry` selects each update's element; the others are relative to it.
    """

    host: str
    entry: str
    time: str | None = None
    title: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional GET needs from the previous fetch of a story."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP fetch. `body` is None when the server answered 304 Not Modified.

    `unchanged` is true for a 304 and for a body whose hash equals the previous one.
    `max_age` is the server's wish (Retry-After or Cache-Control max-age), in seconds.
    `moved_to` is the last URL reached from `url` by permanent redirects only (None: none).
    """

    url: str
    final_url: str
    fetched_at: datetime
    body: bytes | None
    content_type: str
    charset: str | None
    validators: Validators
    unchanged: bool
    max_age: float | None = None
    moved_to: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where messages go: a platform, its chat id and an optional thread or topic."""

    platform: str
    chat_id: str
    thread_id: str = ""


@dataclass(frozen=True, slots=True)
class StoryRef:
    """A story as an alert names it."""

    url: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Alert:
    """One entry for one chat, ready to render on any platform."""

    story: StoryRef
    entry: Entry
    summary: str
    matched: tuple[str, ...] = ()
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Folded:
    """The entries of a burst beyond the limit, sent as one message."""

    story: StoryRef
    entries: tuple[Entry, ...]
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Digest:
    """Several alerts collected into one message: `reason` is "digest" or "mute" (a mute ended)."""

    alerts: tuple[Alert, ...]
    timezone: str = "UTC"
    reason: str = "digest"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (an /export's OPML): its file name and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Notice:
    """Plain text from the bot itself: a command's reply, a story that ended; with a file
    (`attachment`) when the reply is one, the text then its caption."""

    text: str
    link: str | None = None
    extra: tuple[str, ...] = field(default=())
    attachment: Attachment | None = None


Message = Alert | Folded | Digest | Notice


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a command's reply: what it says, and the `data` its press brings back
    to the command layer (at most 64 bytes, Telegram's callback_data limit)."""

    label: str
    data: str


ButtonRows = tuple[tuple[Button, ...], ...]
"""Buttons in rows, top row first."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check did. `outcome` is 'baseline', 'checked', 'unchanged' or 'failed'."""

    story_id: int
    outcome: str
    next_check_at: datetime
    new: int = 0
    edited: int = 0
    error: str | None = None
    moved_to: str | None = None  # the successor the story's followers moved to
