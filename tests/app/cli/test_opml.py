"""`storywatch opml export|import`: a chat's subscriptions out and in, through /subscribe's rules."""

from __future__ import annotations

from pathlib import Path

from bot.core.opml import read_opml
from tests.app.cli.console_bot import console_bot
from tests.app.cli.runner import cli_env, storywatch
from tests.app.cli.test_watch import FAST, json_ld_page, update
from tests.fakes.web import WebServer

METADATA = "http://169.254.169.254/latest/meta-data/"


def an_export(urls: list[str]) -> str:
    """An RSS-to-Telegram-Bot style export naming `urls`, one in a folder."""
    first, *others = urls
    rest = "".join(f'<outline text="s" type="rss" xmlUrl="{url}"/>' for url in others)
    return ('<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>export'
            f'</title></head><body><outline text="News"><outline text="a" type="rss"'
            f' xmlUrl="{first}"/></outline>{rest}</body></opml>')


async def test_an_export_imported_into_another_chat_gives_it_the_same_stories(
        tmp_path: Path) -> None:
    env = cli_env(tmp_path, **FAST)
    async with WebServer() as web:
        storm = web.set("/storm", json_ld_page([update(1), update(2)]))
        flood = web.set("/flood", json_ld_page([update(3)]))
        opml = tmp_path / "theirs.opml"
        opml.write_text(an_export([storm, flood, METADATA]))

        first = await storywatch("opml", "import", str(opml), "--chat", "console:console", env=env)
        assert first.status == 0, first.stderr
        [line] = first.stdout.splitlines()
        assert line.startswith("Imported: 2 followed, 0 already followed, 1 refused: ")
        assert "169.254.169.254" in line

        exported = await storywatch("opml", "export", "--chat", "console:console", env=env)
        assert exported.status == 0, exported.stderr
        assert "Storm live" in exported.stdout
        assert read_opml(exported.stdout.encode()) == [storm, flood]
        mine = tmp_path / "mine.opml"
        mine.write_text(exported.stdout)

        into = await storywatch("opml", "import", str(mine), "--chat", "telegram:-100", env=env)
        assert into.stdout.strip() == "Imported: 2 followed, 0 already followed, 0 refused."
        again = await storywatch("opml", "import", str(mine), "--chat", "telegram:-100", env=env)
        assert again.stdout.strip() == "Imported: 0 followed, 2 already followed, 0 refused."

    theirs = await storywatch("opml", "export", "--chat", "telegram:-100", env=env)
    assert read_opml(theirs.stdout.encode()) == [storm, flood]


async def test_a_hostile_file_gets_one_line_and_changes_nothing(tmp_path: Path) -> None:
    env = cli_env(tmp_path, **FAST)
    hostile = tmp_path / "laughs.opml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "https://a.example/">]>'
                       '<opml version="2.0"><body><outline xmlUrl="&a;"/></body></opml>')

    result = await storywatch("opml", "import", str(hostile), "--chat", "console:console", env=env)

    assert result.status == 1
    [line] = result.stderr.splitlines()
    assert "entities" in line
    exported = await storywatch("opml", "export", "--chat", "console:console", env=env)
    assert read_opml(exported.stdout.encode()) == []


async def test_a_chat_not_named_platform_colon_id_is_one_line(tmp_path: Path) -> None:
    result = await storywatch("opml", "export", "--chat", "one", env=cli_env(tmp_path))

    assert result.status == 1
    [line] = result.stderr.splitlines()
    assert "PLATFORM:ID" in line


async def test_the_console_exports_and_imports_through_the_chat_commands(
        tmp_path: Path) -> None:
    env = cli_env(tmp_path, **FAST, STORYWATCH_SCHEDULE__TICK="0.1")
    async with WebServer() as web:
        storm = web.set("/storm", json_ld_page([update(1), update(2)]))
        opml = tmp_path / "feeds.opml"
        opml.write_text(an_export([storm, METADATA]))
        async with console_bot(env) as bot:
            reply = await bot.command(f"/import {opml}", "Imported:")
            assert "1 followed, 0 already followed, 1 refused" in reply
            listing = await bot.command("/list", "1. ")
            assert "Storm live" in listing
            exported = await bot.command("/export", "</opml>")
            assert storm in exported and "169.254" not in exported
            missing = await bot.command(f"/import {tmp_path / 'none.opml'}", "annot read")
            assert "none.opml" in missing
