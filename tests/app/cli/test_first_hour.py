"""A new user's first hour, driven through the real command line and the console chat:
each message says what was wrong with what was typed, once; the command line answers
`--version`, takes `--config` anywhere and shows whole descriptions."""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from pathlib import Path

from tests.app.cli.console_bot import console_bot
from tests.app.cli.runner import Finished, cli_env, start, storywatch
from tests.fakes.stories import LiveStory
from tests.fakes.web import WebServer

FAST = {"STORYWATCH_SCHEDULE__TICK": "0.1"}


async def test_subscribing_to_a_local_path_says_it_is_not_a_web_address(
        tmp_path: Path) -> None:
    """/subscribe /tmp/x.html: a local path, with what to do instead; nothing is mangled."""
    page = tmp_path / "x.html"
    page.write_text("<p>14:52 GMT an update</p>")
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command(f"/subscribe {page}", "not a web address")
        assert f"'{page}' is a local path" in reply and "https://" not in reply
        assert "chats follow web pages; `storywatch check FILE` reads files" in reply
        await bot.command("/list", "follows no story yet")


async def test_a_refused_page_names_its_url_once_and_the_key_that_opens_it(
        web_server: WebServer, tmp_path: Path) -> None:
    """A page on loopback, not allowed: one reply naming the URL once and fetch.allow_networks."""
    story = LiveStory(web_server)
    story.post("An update on this machine.")
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command(f"/subscribe {story.url}", "Can't follow")
        assert reply.count(story.url) == 1, reply
        assert 'fetch.allow_networks = ["127.0.0.1/32"]' in reply
        assert len(reply.strip().splitlines()) == 1
    assert web_server.hits[story.path] == 0


async def test_watch_of_a_local_path_says_so(tmp_path: Path) -> None:
    page = tmp_path / "x.html"
    page.write_text("<p>14:52 GMT an update</p>")
    result = await storywatch("watch", str(page), env=cli_env(tmp_path))
    assert (result.status, result.stdout) == (1, "")
    assert result.stderr.strip().splitlines() == [
        f"storywatch: {page} is a local path, not a web address: chats follow web pages;"
        " `storywatch check FILE` reads files"]


async def test_check_of_a_directory_says_it_is_a_directory(tmp_path: Path) -> None:
    result = await storywatch("check", str(tmp_path), env=cli_env(tmp_path))
    assert (result.status, result.stdout) == (1, "")
    assert result.stderr.strip().splitlines() == [
        f"storywatch: {tmp_path} is a directory: check reads one file or one URL"]


async def test_version(tmp_path: Path) -> None:
    result = await storywatch("--version", env=cli_env(tmp_path))
    assert (result.status, result.stdout.strip()) == (0, f"storywatch, version {version('storywatch')}")


async def test_config_before_or_after_the_command(tmp_path: Path) -> None:
    """`storywatch --config F status` and `storywatch status --config F` both read F."""
    config = tmp_path / "mistyped.toml"
    config.write_text("[fetch]\nconect_timeout = 3\n")
    expected = ["storywatch: config: unknown key fetch.conect_timeout; did you mean"
                " fetch.connect_timeout?"]
    for args in (("--config", str(config), "status"), ("status", "--config", str(config)),
                 ("--config", str(config), "db", "migrate"), ("db", "--config", str(config),
                                                               "migrate")):
        result = await storywatch(*args, env=cli_env(tmp_path))
        assert (result.status, result.stderr.strip().splitlines()) == (1, expected), args


async def test_help_shows_whole_descriptions(tmp_path: Path) -> None:
    for args in (("--help",), ("db", "--help")):
        result = await storywatch(*args, env=cli_env(tmp_path))
        described = result.stdout.split("Commands:")[1]
        assert result.status == 0 and "..." not in described
    assert "the first check is\n          a baseline" in (
        await storywatch("--help", env=cli_env(tmp_path))).stdout


async def test_backup_refuses_an_existing_file_without_force(tmp_path: Path) -> None:
    """db backup to an existing file is one line and leaves the file; --force replaces it."""
    existing = tmp_path / "keep.db"
    existing.write_bytes(b"precious")
    result = await storywatch("db", "backup", str(existing), env=cli_env(tmp_path))
    assert (result.status, result.stderr.strip()) == (
        1, f"storywatch: {existing} exists: --force replaces it")
    assert existing.read_bytes() == b"precious"
    forced = await storywatch("db", "backup", str(existing), "--force", env=cli_env(tmp_path))
    assert forced.status == 0 and existing.read_bytes().startswith(b"SQLite format 3")


LOOPBACK = {"STORYWATCH_FETCH__ALLOW_NETWORKS": '["127.0.0.0/8"]',
            "STORYWATCH_SCHEDULE__INTERVAL": "0.2", "STORYWATCH_SCHEDULE__MIN_INTERVAL": "0.2",
            "STORYWATCH_SCHEDULE__MAX_INTERVAL": "0.4", **FAST}


async def test_an_unknown_subscription_number_changes_nothing(web_server: WebServer,
                                                             tmp_path: Path) -> None:
    """/filter 9 add x with no subscription 9 is one line saying so, and how to filter on
    the word 9; the chat's filters stay as they were."""
    story = LiveStory(web_server)
    story.post("Iran condemns the strikes.")
    async with console_bot(cli_env(tmp_path, **LOOPBACK)) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates")
        reply = await bot.command("/filter 9 add x", "no subscription 9")
        assert reply.strip() == ("There is no subscription 9 here; /list shows the numbers"
                                 " (to filter on the word 9: /filter add 9).")
        await bot.command("/filter list", "Filters of this chat: none.")
        await bot.command("/filter add 9", "Filters of this chat: include 9.")


async def test_digest_every_has_a_floor(tmp_path: Path) -> None:
    """/digest every 1s is refused with the floor, and the chat stays on one alert per update."""
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        reply = await bot.command("/digest every 1s", "at most every")
        assert reply.strip() == ("A digest comes at most every 5 minutes, not every 1 second;"
                                 " example: /digest every 30m")
        await bot.command("/digest every 5m", "Digest every 5 minutes")


async def test_unmute_says_what_was_held(web_server: WebServer, tmp_path: Path) -> None:
    """/mute off (or /unmute) says that nothing was held, or how many updates were; /status
    shows the mute."""
    story = LiveStory(web_server)
    story.post("Iran condemns the strikes.")
    async with console_bot(cli_env(tmp_path, **LOOPBACK)) as bot:
        await bot.command(f"/subscribe {story.url}", "New updates")
        await bot.command("/mute 30m", "Muted until")
        await bot.command("/mute off", "Unmuted. Nothing arrived while this chat was muted.")
        await bot.command("/mute 30m", "Muted until")
        status = await bot.command("/status", "Alerts: muted until")
        assert "one message per update (no digest)" in status
        story.post("First update while muted.")
        story.post("Second update while muted.")
        # A story is checked by one task at a time: the third fetch from now starts after
        # the check of a fetch that saw both updates has written them.
        for _ in range(3):
            await web_server.fetched_again(story.path)
        reply = await bot.command("/unmute", "Unmuted.")
        assert "The 2 updates held meanwhile come now, in one digest." in reply
        await bot.expect("Second update while muted")


async def typed(text: str, env: dict[str, str]) -> Finished:
    """`storywatch run` with `text` as its whole input (a pipe, then end of input)."""
    process = await start("run", env=env)
    stdout, stderr = await asyncio.wait_for(process.communicate(text.encode()), 30)
    assert process.returncode is not None
    return Finished(process.returncode, stdout.decode(), stderr.decode())


async def test_the_console_says_what_to_type_and_ends_with_its_input(tmp_path: Path) -> None:
    """`printf '/help\\n' | storywatch run` prints one line on what to type and how to quit,
    then the help, and exits 0 at the end of input; `run < /dev/null` too."""
    result = await typed("/help\n", cli_env(tmp_path, **FAST))
    assert result.status == 0 and "ERROR" not in result.stderr, result.stderr
    first, _, rest = result.stdout.partition("\n")
    assert "/help" in first and "Ctrl-D" in first and "quits" in first
    assert "/subscribe URL - follow a live story" in rest
    empty = await typed("", cli_env(tmp_path, **FAST))
    assert (empty.status, empty.stdout.count("\n")) == (0, 2)
    assert "ERROR" not in empty.stderr, empty.stderr


async def test_what_the_console_did_before_its_input_ended_is_kept(
        web_server: WebServer, tmp_path: Path) -> None:
    """A /subscribe piped in is carried out before `run` ends, and kept: the next run's
    /list shows it."""
    story = LiveStory(web_server)
    story.post("Iran condemns the strikes.")
    env = cli_env(tmp_path, **LOOPBACK)
    first = await typed(f"/subscribe {story.url}\n", env)
    assert first.status == 0 and "New updates will be sent here" in first.stdout
    second = await typed("/list\n", env)
    assert second.status == 0 and story.url in second.stdout


BUDGET_2024 = """<!doctype html><html><head><title>Budget live</title></head><body><main>
<h1>Budget day live</h1>
<article class="post" id="p2"><time datetime="2024-10-30T13:45:00Z">13:45</time>
 <p>The chancellor confirms a rise in employer national insurance contributions.</p></article>
<article class="post" id="p1"><time datetime="2024-10-30T11:02:00Z">11:02</time>
 <p>The chancellor leaves Downing Street holding the red box for photographers.</p></article>
</main></body></html>"""


async def test_last_update_is_the_pages_own_time(web_server: WebServer, tmp_path: Path) -> None:
    """A 2024 story followed today: /list and /status give its newest update's time from the
    page, labelled, not the moment the bot stored it."""
    url = web_server.set("/budget", BUDGET_2024)
    async with console_bot(cli_env(tmp_path, **LOOPBACK)) as bot:
        await bot.command(f"/subscribe {url}", "New updates")
        listing = await bot.command("/list", "Stories followed here")
        assert "last update 2024-10-30 13:45 UTC (page time)" in listing, listing
        status = await bot.command("/status", "Alerts:")
        assert "last update 2024-10-30 13:45 UTC (page time)" in status, status
        assert "Alerts: not muted; one message per update (no digest)." in status


async def test_help_says_how_to_filter_on_a_number(tmp_path: Path) -> None:
    async with console_bot(cli_env(tmp_path, **FAST)) as bot:
        await bot.command("/help filter", "to filter on the word 2024, /filter add 2024")
