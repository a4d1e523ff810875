"""The outbox's payload: a message value to JSON and back, exactly.

A delivery stores the message as it was routed, so a restart sends what the
check decided, not a re-render of a later state of the story.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from bot.core.model import (
    Alert,
    Attachment,
    Digest,
    Embed,
    Entry,
    Folded,
    Message,
    Notice,
    StoryRef,
)


def encode(message: Message) -> str:
    """The JSON text of a message value."""
    return json.dumps(_message(message), ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Message:
    """The message value of a payload written by `encode`.

    Raises ValueError when the payload is not one.
    """
    try:
        return _from_message(json.loads(text))
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a message payload: {error}") from error


def _message(message: Message) -> dict[str, Any]:
    if isinstance(message, Alert):
        return {"type": "alert", "story": _story(message.story), "entry": _entry(message.entry),
                "summary": message.summary, "matched": list(message.matched),
                "timezone": message.timezone}
    if isinstance(message, Folded):
        return {"type": "folded", "story": _story(message.story),
                "entries": [_entry(entry) for entry in message.entries],
                "timezone": message.timezone}
    if isinstance(message, Digest):
        return {"type": "digest", "alerts": [_message(alert) for alert in message.alerts],
                "timezone": message.timezone, "reason": message.reason}
    return _notice(message)


def _from_message(data: dict[str, Any]) -> Message:
    kind = data["type"]
    if kind == "alert":
        return _from_alert(data)
    if kind == "folded":
        return Folded(_from_story(data["story"]),
                      tuple(_from_entry(entry) for entry in data["entries"]), data["timezone"])
    if kind == "digest":
        return Digest(tuple(_from_alert(alert) for alert in data["alerts"]),
                      data["timezone"], data["reason"])
    if kind == "notice":
        return _from_notice(data)
    raise KeyError(f"type {kind!r}")


def _notice(notice: Notice) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "notice", "text": notice.text, "link": notice.link,
                            "extra": list(notice.extra)}
    if notice.attachment is not None:
        # JSON has no bytes: the file travels as base64 text beside its name.
        data["attachment"] = {"filename": notice.attachment.filename,
                              "data": base64.b64encode(notice.attachment.data).decode("ascii")}
    return data


def _from_notice(data: dict[str, Any]) -> Notice:
    # Notices written before files were sent have no attachment.
    file = data.get("attachment")
    attachment = None if file is None else Attachment(
        file["filename"], base64.b64decode(file["data"], validate=True))
    return Notice(data["text"], data["link"], tuple(data["extra"]), attachment)


def _from_alert(data: dict[str, Any]) -> Alert:
    return Alert(_from_story(data["story"]), _from_entry(data["entry"]), data["summary"],
                 tuple(data["matched"]), data["timezone"])


def _story(story: StoryRef) -> dict[str, Any]:
    return {"url": story.url, "title": story.title}


def _from_story(data: dict[str, Any]) -> StoryRef:
    return StoryRef(data["url"], data["title"])


def encode_embeds(embeds: tuple[Embed, ...]) -> str | None:
    """The JSON text of an entry's embeds, or None when it has none."""
    if not embeds:
        return None
    return json.dumps([_embed(embed) for embed in embeds], ensure_ascii=False,
                      separators=(",", ":"))


def decode_embeds(text: str | None) -> tuple[Embed, ...]:
    """The embeds written by `encode_embeds` (none for NULL)."""
    return () if text is None else _from_embeds(json.loads(text))


def _entry(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": entry.key, "published_at": _time(entry.published_at), "text": entry.text,
        "title": entry.title, "updated_at": _time(entry.updated_at), "url": entry.url,
    }
    if entry.image is not None:
        data["image"] = entry.image
    if entry.embeds:
        data["embeds"] = [_embed(embed) for embed in entry.embeds]
    return data


def _from_entry(data: dict[str, Any]) -> Entry:
    # Payloads written before media were recorded have neither key.
    return Entry(data["key"], _from_time(data["published_at"]), data["text"], data["title"],
                 _from_time(data["updated_at"]), data["url"], image=data.get("image"),
                 embeds=_from_embeds(data.get("embeds", [])))


def _embed(embed: Embed) -> dict[str, Any]:
    return {"kind": embed.kind, "url": embed.url, "text": embed.text, "author": embed.author}


def _from_embeds(items: list[dict[str, Any]]) -> tuple[Embed, ...]:
    return tuple(Embed(item["kind"], item["url"], item["text"], item["author"]) for item in items)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
