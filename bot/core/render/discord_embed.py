"""Messages as Discord sees them: embeds for alerts, plain content for notices.

Pure: values in, `DiscordPayload`s out (Discord's JSON embed objects). Every
piece of source text is markdown-escaped, so it renders as the text it is, and
its mentions are broken with a zero-width space, so neither the message nor a
copy-paste of it can ping anyone. The adapter also sends `allowed_mentions`
none; this is the second lock.

Limits are Discord's: title 256, description 4096, footer 2048, field name 256
and value 1024, 6000 characters over all embeds of a message, 10 embeds, and
2000 characters of content. Text is cut at a word boundary with an ellipsis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.core.model import Alert, Digest, Entry, Folded, Message, Notice, StoryRef
from bot.core.render import picture_link, safe_link, zone_of
from bot.core.render.embeds import embed_lines

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10

# A story title in the footer is a label, not prose: keeping it short keeps every
# alert embed (256 + 4096 + 256) well inside the 6000-character message total.
FOOTER_BUDGET = 256
FOLDED_LINE_BUDGET = 200
EMBED_COLOR = 0x2B6CB0
ELLIPSIS = "…"
ZWSP = "\u200b"

_MENTION = re.compile(r"@(everyone|here|[!&]?\d{15,21})")
_CHANNEL_OR_TIME = re.compile(r"<([#@:]|t:|a:)")
# Inline markers are escaped everywhere; block markers only where they start a line.
_INLINE = re.compile(r"([\\*_~`|\[\]<])")
_BLOCK_MARK = re.compile(r"(?m)^(\s*)(#{1,3} |-# |>>> |> |[-+] )")
_ORDERED = re.compile(r"(?m)^(\s*\d+)\. ")


@dataclass(frozen=True, slots=True)
class DiscordPayload:
    """One Discord message: `content` text and `embeds` as Discord's JSON embed objects."""

    content: str | None
    embeds: tuple[dict, ...] = ()


def neutralize_mentions(text: str) -> str:
    """`text` with @everyone, @here and user/role/channel mentions broken by a zero-width space."""
    text = _MENTION.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
    return _CHANNEL_OR_TIME.sub(lambda m: f"<{ZWSP}{m.group(1)}", text)


def escape_markdown(text: str) -> str:
    """`text` with Discord markdown escaped so that it renders literally."""
    text = _INLINE.sub(r"\\\1", text)
    text = _BLOCK_MARK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    # A backslash before a digit is no escape in Discord: escape the dot instead.
    return _ORDERED.sub(lambda m: f"{m.group(1)}\\. ", text)


def safe_text(text: str) -> str:
    """Source text made inert for Discord: markdown escaped, mentions broken."""
    return neutralize_mentions(escape_markdown(text))


def trim(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary and ended with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    # Never leave half of an escape (`\`) or of a zero-width-space mention break.
    return cut.rstrip(" \\" + ZWSP) + ELLIPSIS


def safe_trimmed(text: str, limit: int) -> str:
    """`safe_text(text)` within `limit`, trimming the source (not the escapes) at a word."""
    budget = limit
    while True:
        rendered = safe_text(trim(text, budget))
        if len(rendered) <= limit or budget <= 1:
            return rendered[:limit]
        budget -= len(rendered) - limit


def embed_size(embed: dict) -> int:
    """The characters of `embed` that count towards Discord's 6000 per message."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len(embed.get("footer", {}).get("text", ""))
    size += len(embed.get("author", {}).get("name", ""))
    fields = embed.get("fields", ())
    return size + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)


def render_discord(message: Message) -> DiscordPayload:
    """One payload for `message`; a digest's may pass the per-message limits (`split_payload`)."""
    if isinstance(message, Alert):
        return DiscordPayload(None, (pictured_embed(message),))
    if isinstance(message, Folded):
        return DiscordPayload(None, (folded_embed(message),))
    if isinstance(message, Digest):
        return DiscordPayload(digest_header(message), tuple(alert_embed(a) for a in message.alerts))
    return DiscordPayload(notice_content(message))


def render_discord_parts(message: Message) -> tuple[DiscordPayload, ...]:
    """`message` as one or more payloads, each within Discord's per-message limits."""
    return split_payload(render_discord(message))


def split_payload(payload: DiscordPayload) -> tuple[DiscordPayload, ...]:
    """`payload` split into messages of at most 10 embeds and 6000 embed characters each.

    The content goes with the first part. Each embed must itself fit, as the
    renderer's embeds do.
    """
    parts: list[DiscordPayload] = []
    batch: list[dict] = []
    total = 0
    for embed in payload.embeds:
        size = embed_size(embed)
        if batch and (len(batch) == EMBEDS_PER_MESSAGE or total + size > TOTAL_LIMIT):
            parts.append(DiscordPayload(None if parts else payload.content, tuple(batch)))
            batch, total = [], 0
        batch.append(embed)
        total += size
    if batch or not parts:
        parts.append(DiscordPayload(None if parts else payload.content, tuple(batch)))
    return tuple(parts)


def alert_embed(alert: Alert) -> dict:
    """The embed of one alert: headline linking to the entry, summary, time, story footer."""
    entry, story = alert.entry, alert.story
    embeds = _embed_markdown(alert)
    summary = safe_trimmed(alert.summary, DESCRIPTION_LIMIT - len(embeds) - 2)
    description = "\n\n".join(part for part in (summary, embeds) if part)
    if alert.matched:
        matched = "\n\nMatched: " + ", ".join(alert.matched)
        room = DESCRIPTION_LIMIT - len(description)
        description += safe_trimmed(matched, room) if room > len(ELLIPSIS) + 12 else ""
    embed = _base_embed(entry.title or story.title or "New update", story)
    embed["description"] = description
    url = safe_link(entry.url) or safe_link(story.url)
    if url:
        embed["url"] = url
    when = entry.published_at or entry.updated_at
    if when is not None:
        embed["timestamp"] = when.astimezone(UTC).isoformat()
    return embed


def _embed_markdown(alert: Alert) -> str:
    """The alert's embed lines, each lead a markdown link and its words made inert, within
    half the description (the summary keeps the rest)."""
    lines: list[str] = []
    used = 0
    for line in embed_lines(alert.entry, alert.summary):
        # Parentheses and angle brackets in the address would end or break a markdown link.
        url = line.url.replace("(", "%28").replace(")", "%29").replace("<", "%3C")
        link = f"[{safe_text(line.lead)}]({url.replace('>', '%3E')})"
        text = f"{link}: {safe_text(line.words)}" if line.words else link
        if used + len(text) + 1 > DESCRIPTION_LIMIT // 2:
            break
        lines.append(text)
        used += len(text) + 1
    return "\n".join(lines)


def folded_embed(folded: Folded) -> dict:
    """One embed saying "and N more updates", listing as many of them as fit."""
    count = len(folded.entries)
    embed = _base_embed(f"and {count} more update{'s' if count != 1 else ''}", folded.story)
    url = safe_link(folded.story.url)
    if url:
        embed["url"] = url
    zone = zone_of(folded.timezone)
    lines: list[str] = []
    used = 0
    for index, entry in enumerate(folded.entries):
        line = _folded_line(entry, zone)
        rest = count - index
        if used + len(line) + 1 > DESCRIPTION_LIMIT - 32:
            lines.append(f"…and {rest} more")
            break
        lines.append(line)
        used += len(line) + 1
    embed["description"] = "\n".join(lines)
    return embed


def pictured_embed(alert: Alert) -> dict:
    """The embed of an alert sent alone: with the update's picture as the embed's image
    (`picture_link`: Discord fetches it; a digest's embeds stay without)."""
    embed = alert_embed(alert)
    image = picture_link(alert.entry)
    if image:
        embed["image"] = {"url": image}
    return embed


def digest_header(digest: Digest) -> str:
    """The content line above a digest's embeds."""
    count = len(digest.alerts)
    noun = f"{count} update{'s' if count != 1 else ''}"
    if digest.reason == "digest":
        return f"Digest: {noun}"
    return safe_trimmed(f"{noun} ({digest.reason})", CONTENT_LIMIT)


def notice_content(notice: Notice) -> str:
    """A notice as plain content: its text and extra lines made inert, then the link."""
    link = safe_link(notice.link)
    # Angle brackets keep Discord from unfurling a preview under the bot's reply.
    tail = f"\n<{link}>" if link else ""
    text = "\n".join((notice.text, *notice.extra))
    return safe_trimmed(text, CONTENT_LIMIT - len(tail)) + tail


def _base_embed(title: str, story: StoryRef) -> dict:
    footer = story.title or urlsplit(story.url).netloc or story.url
    return {
        "type": "rich",
        "title": safe_trimmed(title, TITLE_LIMIT),
        "color": EMBED_COLOR,
        # The footer does not render markdown: break mentions but keep the text as it is.
        "footer": {"text": neutralize_mentions(trim(footer, FOOTER_BUDGET))},
    }


def _folded_line(entry: Entry, zone: ZoneInfo) -> str:
    when = entry.published_at or entry.updated_at
    stamp = when.astimezone(zone).strftime("%H:%M") if when else "--:--"
    text = safe_trimmed(entry.title or entry.text, FOLDED_LINE_BUDGET)
    return f"- {stamp} {text}"
