"""Telegram's form of a message: HTML parse mode text and an optional URL button
(docs/BEHAVIOUR.md, Alerts).

Every piece of source text is escaped (`html.escape(quote=True)`) after it was
trimmed, so a cut never falls inside an entity or a tag. Only http(s) links
reach an href or a button. A message stays within Telegram's 4096 characters
as Telegram counts them: after entity parsing, in UTF-16 code units (so an
emoji outside the Basic Multilingual Plane counts two); the summary gives way
first. A digest too long for one message is split at update boundaries by
`split_digest`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from bot.core.model import Alert, Digest, Folded, Message, Notice
from bot.core.render import clean_text, one_line, safe_link, shown_word, when
from bot.core.render.embeds import embed_lines

MAX_LENGTH = 4096
FOLDED_SHOWN = 20
_FOLDED_GIST_CHARS = 140  # 20 lines of this, with their times, stay well within the limit
# Upper bounds for the parts that are not trimmed to fit, so the summary always can be.
_TITLE_CHARS = 256
_HEADLINE_CHARS = 512
_MATCHED_CHARS = 300
_EMBED_WORDS_CHARS = 300
_NOTICE_LINE_CHARS = 1000
_DIGEST_HEADER_RESERVE = 96  # the digest's header line and its "… and N more" line
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class TelegramText:
    """One Telegram message: HTML text, and the URL and label of its button if it has one."""

    text: str
    button_url: str | None = None
    button_label: str = "Open update"


def render_telegram(message: Message) -> TelegramText:
    """`message` as one Telegram message within 4096 characters after entity parsing.

    A digest longer than that keeps the updates that fit and says how many more there
    are; `split_digest` first to send every update. Raises TypeError for a non-message.
    """
    match message:
        case Alert():
            return _alert(message, MAX_LENGTH)
        case Folded():
            return _folded(message)
        case Digest():
            return _digest(message)
        case Notice():
            return _notice(message)
    raise TypeError(f"not a message: {message!r}")


def render_alert(alert: Alert, budget: int = MAX_LENGTH) -> TelegramText:
    """`alert` as Telegram text within `budget` characters after entity parsing; the
    summary gives way first (a photo's caption has 1024)."""
    return _alert(alert, budget)


def split_digest(digest: Digest) -> tuple[Digest, ...]:
    """`digest` as consecutive digests that each render whole within the limit.

    Splits only between updates; returns `(digest,)` when it already fits.
    """
    parts: list[list[Alert]] = [[]]
    used = 0
    for alert in digest.alerts:
        size = visible_length(_alert_block(alert, digest.timezone)) + 2  # the blank line
        if parts[-1] and used + size > MAX_LENGTH - _DIGEST_HEADER_RESERVE:
            parts.append([])
            used = 0
        parts[-1].append(alert)
        used += size
    return tuple(Digest(tuple(alerts), digest.timezone, digest.reason) for alerts in parts)


def visible_length(text: str) -> int:
    """The length Telegram counts for HTML `text` this module made: tags dropped, entities
    decoded, in UTF-16 code units."""
    return utf16_length(html.unescape(_TAG.sub("", text)))


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit for text limits."""
    return len(text.encode("utf-16-le")) // 2


def _alert(alert: Alert, budget: int) -> TelegramText:
    link = safe_link(alert.entry.url)
    text = _alert_block(alert, alert.timezone, budget)
    if link:
        return TelegramText(text, link, "Open update")
    story_link = safe_link(alert.story.url)
    return TelegramText(text, story_link, "Open story") if story_link else TelegramText(text)


def _alert_block(alert: Alert, zone: str, budget: int = MAX_LENGTH - _DIGEST_HEADER_RESERVE) -> str:
    """The alert's HTML within `budget` visible characters; the summary is trimmed to fit."""
    entry = alert.entry
    head = [
        f"<b>{_escape(one_line(alert.story.title or alert.story.url), _TITLE_CHARS)}</b>",
        f"<i>{html.escape(when(entry, zone))}</i>",
    ]
    headline = one_line(entry.title or "")
    summary = clean_text(alert.summary).strip()
    # The extractive summary starts with the headline; don't show it twice.
    if headline and not summary.startswith(headline):
        head.append(f"<b>{_escape(headline, _HEADLINE_CHARS)}</b>")
    tail = _embeds_html(alert, budget // 3)
    entry_link = safe_link(entry.url)
    link = entry_link or safe_link(alert.story.url)
    if link:
        label = "Read the update" if entry_link else "Open the story"
        tail.append(f'<a href="{html.escape(link, quote=True)}">{label}</a>')
    if alert.matched:
        words = ", ".join(shown_word(word) for word in alert.matched)
        tail.append(f"Matched: {_escape(words, _MATCHED_CHARS)}")
    fixed = visible_length("\n".join([*head, *tail])) + (2 if summary else 0)
    if summary:
        head.append(_escape(summary, budget - fixed))
    return "\n".join([*head, *tail])


def _embeds_html(alert: Alert, room: int) -> list[str]:
    """The alert's embed lines within `room` visible characters (the summary keeps the rest):
    the lead linked, the words escaped after it and trimmed to fit; a line whose lead does
    not fit is left out."""
    lines = []
    for line in embed_lines(alert.entry, alert.summary):
        lead = utf16_length(line.lead)
        if lead + 1 > room:
            break
        link = f'<a href="{html.escape(line.url, quote=True)}">{html.escape(line.lead)}</a>'
        words = min(_EMBED_WORDS_CHARS, room - lead - 3)
        text = f"{link}: {_escape(line.words, words)}" if line.words and words > 8 else link
        lines.append(text)
        room -= visible_length(text) + 1
    return lines


def _folded(folded: Folded) -> TelegramText:
    count = len(folded.entries)
    title = _escape(one_line(folded.story.title or folded.story.url), _TITLE_CHARS)
    lines = [f"<b>{title}</b>", f"and {count} more {_updates(count)}:"]
    for entry in folded.entries[:FOLDED_SHOWN]:
        gist = _escape(one_line(entry.title or entry.text), _FOLDED_GIST_CHARS)
        lines.append(f"• <i>{html.escape(when(entry, folded.timezone))}</i> {gist}")
    if count > FOLDED_SHOWN:
        lines.append(f"… and {count - FOLDED_SHOWN} more")
    link = safe_link(folded.story.url)
    return (
        TelegramText("\n".join(lines), link, "Open story")
        if link
        else TelegramText("\n".join(lines))
    )


def _digest(digest: Digest) -> TelegramText:
    first = split_digest(digest)[0]
    count = len(digest.alerts)
    label = "While muted" if digest.reason == "mute" else "Digest"
    blocks = [f"<b>{label}: {count} {_updates(count)}</b>"]
    blocks.extend(_alert_block(alert, digest.timezone) for alert in first.alerts)
    left = count - len(first.alerts)
    if left:
        blocks.append(f"… and {left} more {_updates(left)}")
    text = "\n\n".join(blocks)
    if count == 1:  # one update: its own button still applies
        return replace(_alert(digest.alerts[0], MAX_LENGTH), text=text)
    return TelegramText(text)


def _notice(notice: Notice) -> TelegramText:
    lines = [_escape(clean_text(notice.text).strip(), MAX_LENGTH // 2)]
    lines.extend(_escape(clean_text(line), _NOTICE_LINE_CHARS) for line in notice.extra)
    text = _clip_html_lines(lines)
    link = safe_link(notice.link)
    return TelegramText(text, link, "Open") if link else TelegramText(text)


def _clip_html_lines(lines: list[str]) -> str:
    """Whole escaped lines, as many as fit the limit (a notice's extra lines may be many)."""
    kept: list[str] = []
    for line in lines:
        if visible_length("\n".join([*kept, line])) > MAX_LENGTH:
            break
        kept.append(line)
    return "\n".join(kept)


def _escape(text: str, budget: int) -> str:
    """`text` trimmed to `budget` UTF-16 units at a word boundary, then escaped."""
    return html.escape(_trim(text, budget), quote=True)


def _trim(text: str, budget: int) -> str:
    """`text` within `budget` UTF-16 units, cut at a word boundary with "…" when cut."""
    if utf16_length(text) <= budget:
        return text
    room = max(budget - 1, 0)
    cut = 0
    used = 0
    for index, char in enumerate(text):
        used += utf16_length(char)
        if used > room:
            break
        cut = index + 1
    head = text[:cut]
    boundary = max(head.rfind(" "), head.rfind("\n"))
    # A word longer than half the room is cut inside; a sentence is not lost for it.
    if boundary > cut // 2:
        head = head[:boundary]
    return head.rstrip() + "…" if budget >= 1 else ""


def _updates(count: int) -> str:
    return "update" if count == 1 else "updates"
