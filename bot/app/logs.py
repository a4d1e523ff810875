"""Logging for the command line: one line per record on stderr, secrets redacted.

Tokens travel inside URLs (Telegram puts the bot token in every request
path, and httpx logs request URLs), so every record is scrubbed of the
configured secrets before it is written, whoever logged it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "***"

# PTB's rate limiter logs every 429 with a traceback; the dispatcher already
# handles and logs flood waits per chat, so the library's copy is noise.
# discord.client warns at every start that voice support is not installed; no
# alert needs voice.
QUIET = {"telegram.ext.AIORateLimiter": logging.CRITICAL, "httpx": logging.WARNING,
         "apscheduler": logging.WARNING, "discord.client": logging.ERROR}


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


def configure_logging(secrets: Iterable[str], level: int = logging.WARNING) -> None:
    """Send log records to stderr as 'storywatch: LEVEL logger: message', secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("storywatch: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
