"""The console's output: plain text for people, JSON lines for programs (docs/BEHAVIOUR.md,
Alerts and Command line).

Source text is cleaned of control characters before it reaches a terminal.
JSON is one line per message, with characters that terminals or JSON line
readers treat as line breaks or controls escaped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.model import Alert, Digest, Entry, Folded, Message, Notice, Page
from bot.core.render import clean_text, one_line, safe_link, shown_word, when
from bot.core.render.embeds import embed_lines

if TYPE_CHECKING:  # only annotations: `run` and the alerts it prints never load the extractor
    from bot.core.extract import Dating, Explained
    from bot.core.extract.candidate import Evidence
    from bot.core.extract.clock import Shown

# json.dumps(ensure_ascii=False) leaves C1 controls, bidi overrides and
# Unicode line separators raw; escape them so a line stays one safe line.
_JSON_UNSAFE = {
    code: f"\\u{code:04x}"
    for code in (*range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
}
FOLDED_SHOWN = 20


def render_text(message: Message) -> str:
    """`message` as plain text for a terminal: no markup, no control characters."""
    match message:
        case Alert():
            return _alert_text(message)
        case Folded():
            return _folded_text(message)
        case Digest():
            return _digest_text(message)
        case Notice():
            return _notice_text(message)
    raise TypeError(f"not a message: {message!r}")


def _alert_text(alert: Alert) -> str:
    entry = alert.entry
    story = one_line(alert.story.title or alert.story.url)
    lines = [f"{story} · {when(entry, alert.timezone)}"]
    headline = one_line(entry.title or "")
    summary = clean_text(alert.summary).strip()
    # The extractive summary starts with the headline; don't print it twice.
    if headline and not summary.startswith(headline):
        lines.append(headline)
    if summary:
        lines.append(summary)
    lines.extend(_embed_texts(entry, summary))
    link = safe_link(entry.url) or safe_link(alert.story.url)
    if link:
        lines.append(link)
    if alert.matched:
        lines.append("Matched: " + ", ".join(shown_word(word) for word in alert.matched))
    return "\n".join(lines)


def _embed_texts(entry: Entry, summary: str, words_limit: int = 1000) -> list[str]:
    """The entry's embed lines as plain text, each ending with its whole link."""
    return [f"{line.lead}: {_shorten(line.words, words_limit)} {line.url}" if line.words
            else f"{line.lead} {line.url}" for line in embed_lines(entry, summary)]


def _folded_text(folded: Folded) -> str:
    count = len(folded.entries)
    noun = "update" if count == 1 else "updates"
    story = one_line(folded.story.title or folded.story.url)
    lines = [f"{story} · and {count} more {noun}:"]
    for entry in folded.entries[:FOLDED_SHOWN]:
        gist = one_line(entry.title or entry.text)
        lines.append(f"  {when(entry, folded.timezone)}  {_shorten(gist, 120)}")
    if count > FOLDED_SHOWN:
        lines.append(f"  … {count - FOLDED_SHOWN} more")
    link = safe_link(folded.story.url)
    if link:
        lines.append(link)
    return "\n".join(lines)


def _digest_text(digest: Digest) -> str:
    count = len(digest.alerts)
    noun = "update" if count == 1 else "updates"
    header = (
        f"While muted: {count} {noun}" if digest.reason == "mute" else f"Digest: {count} {noun}"
    )
    blocks = [header]
    blocks.extend(
        _alert_text(Alert(a.story, a.entry, a.summary, a.matched, digest.timezone))
        for a in digest.alerts
    )
    return "\n\n".join(blocks)


def _notice_text(notice: Notice) -> str:
    lines = [clean_text(notice.text)]
    lines.extend(clean_text(line) for line in notice.extra)
    link = safe_link(notice.link)
    if link:
        lines.append(link)
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return f"{head}…"


def _iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def entry_json(entry: Entry) -> dict[str, object]:
    """`entry` as the JSON object of docs/BEHAVIOUR.md, Command line: key, published_at,
    updated_at, title, text, url, image (its lead picture's URL, or None).

    Times are ISO 8601 in UTC ending in "+00:00", or None (null).
    """
    return {
        "key": entry.key,
        "published_at": _iso_utc(entry.published_at),
        "updated_at": _iso_utc(entry.updated_at),
        "title": entry.title,
        "text": entry.text,
        "url": entry.url,
        "image": entry.image,
    }


def render_json(message: Alert | Folded) -> str:
    """One JSON line (no newline at the end) for `watch --json` (docs/BEHAVIOUR.md, Command line).

    An alert: {"story": {"url", "title"}, "entry": {...}, "summary", "matched"};
    a folded burst: {"story": {...}, "folded": [entry, ...]}.
    Raises TypeError for any other message.
    """
    document: dict[str, object]
    if isinstance(message, Alert):
        document = {
            "story": _story_json(message),
            "entry": entry_json(message.entry),
            "summary": message.summary,
            "matched": list(message.matched),
        }
    elif isinstance(message, Folded):
        entries = [entry_json(entry) for entry in message.entries]
        document = {"story": _story_json(message), "folded": entries}
    else:
        raise TypeError(f"only alerts and folded bursts have a JSON line, not {message!r}")
    return json.dumps(document, ensure_ascii=False).translate(_JSON_UNSAFE)


def _story_json(message: Alert | Folded) -> dict[str, object]:
    return {"url": message.story.url, "title": message.story.title}


def ignored_text(page: Page) -> str:
    """What extraction's caps left unread on `page`: "48000 time elements, 3 feed items"."""
    return ", ".join(f"{count} {kind}" for kind, count in page.ignored)


def render_check(page: Page, *, as_json: bool) -> str:
    """`check`'s output: one JSON array of entries, or a readable table."""
    if as_json:
        return json.dumps([_check_json(entry) for entry in page.entries], ensure_ascii=False)
    lines = [page.title or "(untitled story)", f"{len(page.entries)} updates, newest first"]
    if page.ignored:
        lines.append(f"past extraction's caps, ignored {ignored_text(page)}")
    lines.append("")
    for entry in page.entries:
        stamp = f"{entry.published_at:%Y-%m-%d %H:%M} UTC" if entry.published_at else "(no time)"
        words = " ".join((entry.title or entry.text).split())
        lines.append(f"{stamp:<22}  {words[:96] + ('…' if len(words) > 96 else '')}")
        if entry.image is not None:
            lines.append(f"{'':24}image: {one_line(entry.image)}")
        lines.extend(f"{'':24}{text}" for text in _embed_texts(entry, entry.text, 72))
    return "\n".join(lines)


def _check_json(entry: Entry) -> dict[str, object]:
    """An entry as `check --json` shows it: its JSON with what it quotes or plays."""
    embeds = [{"kind": e.kind, "url": e.url, "text": e.text, "author": e.author}
              for e in entry.embeds]
    return {**entry_json(entry), "embeds": embeds}


def render_explained(explained: Explained, *, as_json: bool) -> str:
    """`check --explain`'s output: each entry with its time and the evidence behind it.

    As JSON, `check --json`'s array with an "evidence" object added to each entry (its
    other keys unchanged): the basis, whether the date is the page's own, what was seen.
    """
    pairs = list(zip(explained.page.entries, explained.datings, strict=True))
    if as_json:
        return json.dumps([{**_check_json(entry),
                            "evidence": _evidence_json(dating, explained, entry.published_at)}
                           for entry, dating in pairs], ensure_ascii=False)
    lines = [explained.page.title or "(untitled story)",
             f"{len(pairs)} updates, newest first", f"page date: {_page_date(explained)}", ""]
    for entry, dating in pairs:
        stamp = f"{entry.published_at:%Y-%m-%d %H:%M} UTC" if entry.published_at else "(no time)"
        words = one_line(clean_text(entry.title or entry.text))
        lines.append(f"{stamp:<22}  {words[:96] + ('…' if len(words) > 96 else '')}")
        lines.append(f"{'':24}time from: {dating.basis}")
        if entry.published_at is not None and not dating.trusted:
            lines.append(f"{'':24}no trustworthy date: the page gives none, the fetch day "
                         "was assumed")
        for seen in dating.evidence:
            verdict = _verdict(seen, entry.published_at)
            lines.append(f"{'':24}{verdict}: {_seen_text(seen)}{_off_by(seen, entry)}")
    return "\n".join(lines)


def _verdict(seen: Evidence, published_at: datetime | None) -> str:
    """"agrees" when the evidence gives the update's time (to the minute), "lost" when it
    gives another, "seen" when it gives none of its own (a clock still to be dated)."""
    if seen.at is None or published_at is None:
        return "seen"
    same = seen.at.replace(second=0, microsecond=0) == published_at.replace(second=0,
                                                                            microsecond=0)
    return "agrees" if same else "lost"


def _off_by(seen: Evidence, entry: Entry) -> str:
    if seen.at is None or entry.published_at is None:
        return ""
    if _verdict(seen, entry.published_at) != "lost":
        return ""
    minutes = round((seen.at - entry.published_at).total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    size = f"{hours} h {rest:02} min" if hours else f"{rest} min"
    return f" ({size} {'later' if minutes > 0 else 'earlier'})"


def _page_date(explained: Explained) -> str:
    if not explained.page_date or explained.page_date_at is None:
        return "none on the page (times shown without a date are dated from the fetch)"
    if explained.page_day_only:
        return f"{explained.page_date} ({explained.page_date_at:%Y-%m-%d}, a day without a time)"
    return f"{explained.page_date} ({explained.page_date_at:%Y-%m-%d %H:%M} UTC)"


def _seen_text(seen: Evidence) -> str:
    parts = [seen.kind]
    if seen.at is not None:
        parts.append(f"{seen.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    if seen.shown is not None:
        parts.append(f'shows "{_shown_text(seen.shown)}"')
    return " ".join(parts)


def _shown_text(shown: Shown) -> str:
    zone = f" {shown.zone}" if shown.zone is not None else ""
    return f"{shown.hour:02}:{shown.minute:02}{zone}"


def _evidence_json(dating: Dating, explained: Explained, published_at: datetime | None
                   ) -> dict[str, object]:
    return {
        "basis": dating.basis,
        "trusted_date": dating.trusted,
        "page_date": explained.page_date or None,
        "page_date_at": (f"{explained.page_date_at:%Y-%m-%d}" if explained.page_day_only
                         else _iso_utc(explained.page_date_at)),
        "seen": [{"kind": seen.kind, "at": _iso_utc(seen.at),
                  "shown": _shown_text(seen.shown) if seen.shown is not None else None,
                  "verdict": _verdict(seen, published_at)}
                 for seen in dating.evidence],
    }
