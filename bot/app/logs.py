"""Logging for the command line: one record a line on stderr, as text or JSON, secrets redacted.

Tokens travel inside URLs (Telegram puts the bot token in every request
path, and httpx logs request URLs), so every record is scrubbed of the
configured secrets before it is written, whoever logged it.

The app's own records carry, through `extra=`, the fields a log search needs:
`event` (a stable name such as "check_failed"), `story_id`, `chat_id` and
`platform`; the JSON format writes them as keys of their own.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

REDACTED = "***"

# PTB's rate limiter logs every 429 with a traceback; the dispatcher already
# handles and logs flood waits per chat, so the library's copy is noise.
# discord.client warns at every start that voice support is not installed; no
# alert needs voice. discord.http warns at every 429 it waits out, a route's
# included: the dispatcher reports what holds the platform.
QUIET = {"telegram.ext.AIORateLimiter": logging.CRITICAL, "httpx": logging.WARNING,
         "apscheduler": logging.WARNING, "discord.client": logging.ERROR,
         "discord.http": logging.ERROR}


class Redactor(logging.Filter):
    """Replaces each secret in a record's message (and traceback) with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record in place; always keeps it."""
        if not self._secrets:
            return True
        message = self._scrub(record.getMessage())
        if record.exc_info:
            message += "\n" + self._scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = message, None
        return True

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


FIELDS = ("event", "story_id", "chat_id", "platform")
"""The `extra=` keys the JSON format writes, when a record has them."""


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the app's
    fields (`FIELDS`) when given, and the traceback as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((key, record.__dict__[key]) for key in FIELDS if key in record.__dict__)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(secrets: Iterable[str], level: int = logging.WARNING,
                      format: str = "text") -> None:
    """Send log records to stderr, secrets redacted: as 'storywatch: LEVEL logger: message'
    lines ("text"), or as JSON lines ("json", `JsonFormatter`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if format == "json" else
                         logging.Formatter("storywatch: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
