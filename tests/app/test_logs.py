"""Log records never carry a configured secret, whoever logs them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from bot.app.logs import REDACTED, Redactor, configure_logging


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


@pytest.fixture
def root_logger() -> Iterator[None]:
    """The root logger's handlers and level put back after the test configured its own."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("root_logger")
def test_json_lines_carry_the_app_fields_and_stay_redacted(
        capsys: pytest.CaptureFixture[str]) -> None:
    """[logging] format = "json": one object a line with time, level, logger, message, the
    event, story and chat ids given through `extra=`, the traceback; no secret anywhere."""
    configure_logging(["123:SECRET"], level=logging.INFO, format="json")
    log = logging.getLogger("bot.app.watcher")
    log.info("check of story %s failed: %s", 7, "bot123:SECRET said no",
             extra={"event": "check_failed", "story_id": 7, "chat_id": 3})
    try:
        raise ValueError("from /bot123:SECRET/getMe")
    except ValueError:
        log.exception("crashed", extra={"event": "check_crashed", "story_id": 7})
    lines = capsys.readouterr().err.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "info" and first["logger"] == "bot.app.watcher"
    assert first["message"] == f"check of story 7 failed: bot{REDACTED} said no"
    assert (first["event"], first["story_id"], first["chat_id"]) == ("check_failed", 7, 3)
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["event"] == "check_crashed" and "ValueError" in second["message"]
    assert "SECRET" not in "".join(lines)


@pytest.mark.usefixtures("root_logger")
def test_text_lines_stay_as_they_were(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging([], level=logging.INFO)
    logging.getLogger("bot.app.service").warning("checking story %s failed", 7,
                                                 extra={"story_id": 7})
    assert capsys.readouterr().err == "storywatch: WARNING bot.app.service: checking story 7 failed\n"
