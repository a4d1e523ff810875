"""The command line: `storywatch check|watch|demo|run|status|db|opml`.

Each command loads the config once, hands it to the composition root
(`bot.app.root`) and maps domain errors to one line on stderr and a non-zero status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeVar

import click

from bot.app import root as app
from bot.app.logs import configure_logging
from bot.app.status import render_status
from bot.core.errors import StorywatchError
from bot.core.render.console import render_check, render_explained
from bot.edges.config import Config, load_config
from bot.platforms import CHAT_PLATFORMS

T = TypeVar("T")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML config file (defaults apply without one).",
)


class _WholeHelp(click.Group):
    """A group whose command list shows each command's whole first paragraph, not a
    description cut at 45 characters with "..."."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden and command.short_help is None:
                command.short_help = (command.help or "").split("\n\n")[0]
        super().format_commands(ctx, formatter)


@click.group(cls=_WholeHelp, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="storywatch", prog_name="storywatch")
@config_option
def main(config_path: Path | None) -> None:
    """Watch live news stories and alert chats of each new update.

    --config PATH may come before the command or after it.
    """


@main.command()
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of entries.")
@click.option("--explain", is_flag=True,
              help="Show the time evidence behind each entry's time.")
@config_option
def check(target: str, as_json: bool, explain: bool, config_path: Path | None) -> None:
    """Fetch or read TARGET (a URL or a file) once and show the entries extracted."""
    config = _load(config_path)
    if explain:
        explained = run_command(lambda: app.check_explained(target, config))
        click.echo(render_explained(explained, as_json=as_json))
        return
    page = run_command(lambda: app.check(target, config))
    click.echo(render_check(page, as_json=as_json))


@main.command()
@click.argument("url")
@click.option("--every", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Check every SECONDS, fixed (no back-off).")
@click.option("--include", multiple=True, metavar="WORD",
              help="Alert only updates with this word or phrase (repeatable).")
@click.option("--exclude", multiple=True, metavar="WORD",
              help="Drop updates with this word or phrase (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per alert.")
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Keep what was seen in this SQLite file, for the next watch (default: the"
                   " database the config names, else a temporary one).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              metavar="N", help="Failed checks in a row retried before the watch gives up.")
@config_option
def watch(url: str, every: float | None, include: tuple[str, ...], exclude: tuple[str, ...],
          as_json: bool, db_path: Path | None, retries: int, config_path: Path | None) -> None:
    """Watch the story at URL and print each new update; the first check is a baseline."""
    config = _load(config_path)
    if db_path is not None:
        config = config.model_copy(update={"storage": config.storage.model_copy(
            update={"path": db_path, "url": None})})
    run_command(lambda: app.watch(url, config, every=every, include=include, exclude=exclude,
                                  as_json=as_json, retries=retries))


@main.command()
@click.option("--updates", type=click.IntRange(min=1), default=None, metavar="N",
              help="Exit after N alerts.")
@click.option("--reveal-every", type=click.FloatRange(min=0.05), default=5.0, hidden=True,
              help="Seconds between the demo story's updates (tests make it fast).")
@config_option
def demo(updates: int | None, reveal_every: float, config_path: Path | None) -> None:
    """Watch a bundled live story served on this machine: no network, no tokens."""
    config = _load(config_path)
    run_command(lambda: app.demo(config, updates=updates, reveal_every=reveal_every))


@main.command(name="run")
@click.option("--once", is_flag=True,
              help="Check every due story once, send what is due, then exit (for cron).")
@click.option("--role", type=click.Choice(app.ROLES), default="all", show_default=True,
              help="checker: check stories; sender: platforms and sending; all: both."
                   " Roles other than all need PostgreSQL.")
@config_option
def run_service(once: bool, role: str, config_path: Path | None) -> None:
    """Run the bots the config enables; with no token, the console is a chat."""
    config = _load(config_path)
    run_command(lambda: app.run(config, once=once, role=role))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@config_option
def status(as_json: bool, config_path: Path | None) -> None:
    """Show the whole instance: stories, chats, the outbox and the last errors."""
    config = _load(config_path)
    click.echo(render_status(run_command(lambda: app.status(config)), as_json=as_json))


@main.group(cls=_WholeHelp)
@config_option
def db(config_path: Path | None) -> None:
    """Storage upkeep."""


@db.command()
@config_option
def migrate(config_path: Path | None) -> None:
    """Apply the database's pending migrations, then exit."""
    config = _load(config_path)
    version = run_command(lambda: app.migrate(config))
    click.echo(f"{config.storage.shown}: schema version {version}")


@db.command()
@click.argument("destination", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace DESTINATION if it exists.")
@config_option
def backup(destination: Path, force: bool, config_path: Path | None) -> None:
    """Copy the database, consistently, to DESTINATION while the bot may be running."""
    config = _load(config_path)
    if destination.exists() and not force:
        fail(f"{destination} exists: --force replaces it")
    run_command(lambda: app.backup(config, destination))
    click.echo(f"backed up {config.storage.shown} to {destination}")


@db.command(name="copy")
@click.argument("source")
@click.argument("destination")
def copy_database(source: str, destination: str) -> None:
    """Copy the whole instance at SOURCE into the empty DESTINATION (each a SQLite file or a
    postgresql:// URL): stories, entries, chats, subscriptions, filters, pending alerts.
    Stop the bot first."""
    configure_logging([])
    copied = run_command(lambda: app.copy(source, destination))
    click.echo("copied " + ", ".join(f"{rows} {table}" for table, rows in copied.items()))


@main.group(cls=_WholeHelp)
@config_option
def opml(config_path: Path | None) -> None:
    """A chat's subscriptions out and in as OPML (other feed bots read and write it)."""


@opml.command(name="export")
@click.option("--chat", "chat", required=True, metavar="PLATFORM:ID",
              help="The chat, e.g. telegram:-1001234567890 or console:console.")
@config_option
def export_opml(chat: str, config_path: Path | None) -> None:
    """Print the chat's followed stories as an OPML 2.0 document."""
    config = _load(config_path)
    click.echo(run_command(lambda: app.export_opml(config, app.chat_ref(chat))), nl=False)


@opml.command(name="import")
@click.argument("file", type=click.File("rb"))
@click.option("--chat", "chat", required=True, metavar="PLATFORM:ID",
              help="The chat, e.g. telegram:-1001234567890 or console:console.")
@config_option
def import_opml(file: BinaryIO, chat: str, config_path: Path | None) -> None:
    """Follow, in the chat, each feed or page FILE names (OPML; - reads stdin), as
    /subscribe would; prints what was followed, already followed and refused."""
    from bot.core.opml import MAX_BYTES

    config = _load(config_path)
    data = file.read(MAX_BYTES + 1)  # one byte over: the reader refuses a larger file
    click.echo(run_command(lambda: app.import_opml(config, app.chat_ref(chat), data)))


def _load(path: Path | None) -> Config:
    """The config of the innermost `--config` (after the command, or before it), else the
    defaults."""
    context: click.Context | None = click.get_current_context()
    while path is None and context is not None:
        path, context = context.params.get("config_path"), context.parent
    try:
        config = load_config(path)
    except StorywatchError as error:
        fail(str(error))
    configure_logging(_secrets(config), level=logging.getLevelNamesMapping()[
        config.logging.level.upper()], format=config.logging.format)
    return config


def _secrets(config: Config) -> list[str]:
    platforms = [secret for platform in CHAT_PLATFORMS
                 for secret in platform.secrets(getattr(config, platform.name))]
    key = config.summary.api_key
    return [*platforms, *([key.get_secret_value()] if key is not None else [])]


def fail(message: str, status: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `status`."""
    click.echo(f"storywatch: {message}", err=True)
    sys.exit(status)


def run_command(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a command's coroutine; SIGINT/SIGTERM end it cleanly with status 0.

    Domain errors become one line on stderr and status 1.
    """
    try:
        return asyncio.run(_until_signal(make()))
    except StorywatchError as error:
        fail(str(error))
    except _Stopped:
        sys.exit(0)


class _Stopped(Exception):
    """SIGINT or SIGTERM arrived."""


async def _until_signal(coroutine: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(coroutine)
    stopped = False

    def stop() -> None:
        nonlocal stopped
        stopped = True
        task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    try:
        return await task
    except asyncio.CancelledError:
        if stopped:
            raise _Stopped from None
        raise
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)


if __name__ == "__main__":
    main()
