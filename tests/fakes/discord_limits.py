"""What Discord checks in a message body before it accepts it, with its error shapes.

A message that breaks a rule is answered 400 with code 50035 "Invalid Form
Body" and an `errors` tree naming the field, as Discord does; an empty message
is 50006.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

EMBED_LIMITS = {"title": 256, "description": 4096}
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000
NONCE_LIMIT = 25
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80


def _too_long(limit: int) -> dict[str, Any]:
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                         "message": f"Must be {limit} or fewer in length."}]}


def _embed_errors(embed: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The errors of one embed and the characters it counts towards the total."""
    errors: dict[str, Any] = {}
    size = 0
    for key, limit in EMBED_LIMITS.items():
        text = str(embed.get(key) or "")
        size += len(text)
        if len(text) > limit:
            errors[key] = _too_long(limit)
    for key, limit in (("footer", FOOTER_LIMIT), ("author", AUTHOR_LIMIT)):
        sub = embed.get(key) or {}
        text = str(sub.get("text" if key == "footer" else "name") or "")
        size += len(text)
        if len(text) > limit:
            errors[key] = {"text" if key == "footer" else "name": _too_long(limit)}
    errors.update(_image_errors(embed))
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_PER_EMBED:
        errors["fields"] = _too_long(FIELDS_PER_EMBED)
    for index, field in enumerate(fields):
        name, value = str(field.get("name") or ""), str(field.get("value") or "")
        size += len(name) + len(value)
        field_errors = {}
        if len(name) > FIELD_NAME_LIMIT:
            field_errors["name"] = _too_long(FIELD_NAME_LIMIT)
        if len(value) > FIELD_VALUE_LIMIT:
            field_errors["value"] = _too_long(FIELD_VALUE_LIMIT)
        if field_errors:
            errors.setdefault("fields", {})[str(index)] = field_errors
    return errors, size


def _component_errors(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The errors of a message's action rows of buttons: how many, their custom_ids (at most
    100 characters, unique in the message) and labels."""
    errors: dict[str, Any] = {}
    if len(rows) > ACTION_ROWS:
        errors["_errors"] = _too_long(ACTION_ROWS)["_errors"]
    seen: set[str] = set()
    for index, row in enumerate(rows):
        buttons = row.get("components") or []
        row_errors: dict[str, Any] = {}
        if len(buttons) > BUTTONS_PER_ROW:
            row_errors["components"] = _too_long(BUTTONS_PER_ROW)
        for place, button in enumerate(buttons):
            custom_id = str(button.get("custom_id") or "")
            if len(custom_id) > CUSTOM_ID_LIMIT or custom_id in seen:
                row_errors[str(place)] = {"custom_id": {"_errors": [
                    {"code": "COMPONENT_CUSTOM_ID_DUPLICATED" if custom_id in seen
                     else "BASE_TYPE_MAX_LENGTH", "message": "Bad custom_id."}]}}
            if len(str(button.get("label") or "")) > LABEL_LIMIT:
                row_errors[str(place)] = {"label": _too_long(LABEL_LIMIT)}
            seen.add(custom_id)
        if row_errors:
            errors[str(index)] = row_errors
    return errors


def message_errors(body: dict[str, Any], has_files: bool = False) -> dict[str, Any] | None:
    """Discord's error answer for a message body that breaks a rule, or None when it passes
    (a message of files alone is not empty)."""
    embeds = body.get("embeds") or []
    content = body.get("content") or ""
    if not content and not embeds and not has_files:
        return {"code": 50006, "message": "Cannot send an empty message"}
    errors: dict[str, Any] = {}
    if len(content) > CONTENT_LIMIT:
        errors["content"] = _too_long(CONTENT_LIMIT)
    if len(str(body.get("nonce") or "")) > NONCE_LIMIT:
        errors["nonce"] = _too_long(NONCE_LIMIT)
    components = _component_errors(body.get("components") or [])
    if components:
        errors["components"] = components
    if len(embeds) > EMBEDS_PER_MESSAGE:
        errors["embeds"] = _too_long(EMBEDS_PER_MESSAGE)
    total = 0
    for index, embed in enumerate(embeds):
        embed_errors, size = _embed_errors(embed)
        total += size
        if embed_errors:
            errors.setdefault("embeds", {})[str(index)] = embed_errors
    if total > TOTAL_LIMIT:
        errors.setdefault("embeds", {})["_errors"] = [
            {"code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"}
        ]
    if not errors:
        return None
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


IMAGE_SCHEMES = frozenset({"http", "https", "attachment"})
URL_LIMIT = 2048


def _image_errors(embed: dict[str, Any]) -> dict[str, Any]:
    """An embed image must be a well-formed http(s) (or attachment://) URL of at most 2048
    characters."""
    image = embed.get("image")
    if image is None:
        return {}
    url = str(image.get("url") or "")
    if len(url) > URL_LIMIT:
        return {"image": {"url": _too_long(URL_LIMIT)}}
    parts = urlsplit(url)
    if parts.scheme in IMAGE_SCHEMES and (parts.netloc or parts.scheme == "attachment"):
        return {}
    return {"image": {"url": {"_errors": [{"code": "URL_TYPE_INVALID_URL",
                                           "message": "Not a well formed URL."}]}}}
