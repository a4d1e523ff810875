"""Log records never carry a configured secret, whoever logs them."""

from __future__ import annotations

import logging

import pytest

from bot.app.logs import REDACTED, Redactor


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, info)


def test_token_in_a_url_is_redacted() -> None:
    """httpx's request line, with the bot token in the path, is written without it."""
    entry = record("HTTP Request: %s %s", "POST", "https://api.telegram.org/bot123:SECRET/getMe")
    Redactor(["123:SECRET"]).filter(entry)
    assert entry.getMessage() == f"HTTP Request: POST https://api.telegram.org/bot{REDACTED}/getMe"


def test_token_in_a_traceback_is_redacted() -> None:
    """An exception whose text holds the token is logged with the token scrubbed."""
    try:
        raise ValueError("bad response from /bot123:SECRET/sendMessage")
    except ValueError as error:
        entry = record("send failed", exc=error)
    Redactor(["123:SECRET"]).filter(entry)
    assert "SECRET" not in entry.getMessage() and "ValueError" in entry.getMessage()
    assert entry.exc_info is None


@pytest.mark.parametrize("secrets", [[], [""]])
def test_no_secrets_leaves_records_alone(secrets: list[str]) -> None:
    """Without secrets (no tokens configured) records pass unchanged."""
    entry = record("plain %s", "text")
    Redactor(secrets).filter(entry)
    assert entry.getMessage() == "plain text"
