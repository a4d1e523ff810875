"""`storywatch run` when a platform cannot start: one line on stderr, no token in it."""

from __future__ import annotations

from pathlib import Path

from tests.app.cli.runner import cli_env, storywatch
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import TelegramApiServer


async def test_telegram_token_refused(tmp_path: Path) -> None:
    """A token the Bot API refuses ends start-up with one line that does not show the token."""
    async with TelegramApiServer() as fake:
        result = await storywatch("run", env=cli_env(
            tmp_path, STORYWATCH_TELEGRAM__TOKEN="999:WRONG-TOKEN",
            STORYWATCH_TELEGRAM__BASE_URL=fake.base_url))
    assert result.status != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Telegram" in lines[0], result.stderr
    assert "WRONG-TOKEN" not in result.stderr + result.stdout


async def test_telegram_unreachable(tmp_path: Path, unused_tcp_port: int) -> None:
    """A Bot API nobody answers ends start-up with one line naming where it looked."""
    base_url = f"http://127.0.0.1:{unused_tcp_port}/bot"
    result = await storywatch("run", env=cli_env(
        tmp_path, STORYWATCH_TELEGRAM__TOKEN="123:SECRET", STORYWATCH_TELEGRAM__BASE_URL=base_url))
    assert result.status != 0
    assert result.stderr.strip().count("\n") == 0 and base_url in result.stderr
    assert "SECRET" not in result.stderr


async def test_discord_token_refused(tmp_path: Path) -> None:
    """A token Discord refuses ends start-up with one line that does not show the token."""
    async with FakeDiscord() as fake:
        result = await storywatch("run", env=cli_env(
            tmp_path, STORYWATCH_DISCORD__TOKEN="not-the-token",
            STORYWATCH_DISCORD__API_BASE=fake.api_base,
            STORYWATCH_DISCORD__GATEWAY_URL=fake.gateway_url))
    assert result.status != 0
    assert "Discord" in result.stderr and "not-the-token" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


async def test_a_file_that_is_no_database_is_one_line(tmp_path: Path) -> None:
    """storage.path naming a file that is not SQLite stops watch and run with one line."""
    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a database")
    for args in (("watch", "http://127.0.0.1:9/live"), ("run",)):
        result = await storywatch(*args, env=cli_env(tmp_path, STORYWATCH_STORAGE__PATH=str(bad)))
        assert result.status != 0
        assert result.stderr.strip() == f"storywatch: cannot open the database {bad}: file is not a database"
    assert bad.read_text() == "these are my notes, not a database"


async def test_a_role_on_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    """SQLite serves one process: `--role checker` or `sender` stops at once, saying why."""
    for role in ("checker", "sender"):
        result = await storywatch("run", "--role", role, env=cli_env(tmp_path))
        assert result.status == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "PostgreSQL" in lines[0] and role in lines[0], result.stderr
