"""/export and /import: a chat's subscriptions out and in as OPML."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.errors import BadArgument, NotAllowed, StorywatchError
from bot.core.model import ChatRef
from bot.core.opml import MAX_BYTES, Outline, read_opml, write_opml
from handlers.caller import Caller
from handlers.command_values import CommandValue
from handlers.context import Context
from handlers.following import subscribe
from storage import stories, subscriptions

CONSOLE = "console"
"""The one platform where /export prints the file and /import reads a path: elsewhere a
path would name a file on the bot's machine, and files travel as attachments (not yet)."""

# Path endings that name a feed rather than a page: what a feed reader needs as xmlUrl.
_FEED_ENDINGS = (".xml", ".rss", ".atom", ".rdf", "/feed", "/rss", "/atom", "/feed/", "/rss/")


async def export_opml(context: Context, ref: ChatRef) -> str:
    """The chat's followed stories as an OPML 2.0 document."""
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    outlines = []
    for subscription in following:
        story = await stories.get(context.db, subscription.story_id)
        if subscription.active and story is not None:
            outlines.append(Outline(story.url, story.title or story.url, _is_feed(story.url)))
    return write_opml(f"storywatch: {_shown(ref)}", outlines)


def _is_feed(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(_FEED_ENDINGS)


def _shown(ref: ChatRef) -> str:
    return f"{ref.platform}:{ref.chat_id}" + (f":{ref.thread_id}" if ref.thread_id else "")


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did, URL by URL."""

    followed: tuple[str, ...]
    already: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]  # (url, why)

    def report(self) -> str:
        """One line: how many followed, already followed and refused, and why."""
        line = (f"Imported: {len(self.followed)} followed, {len(self.already)} already followed,"
                f" {len(self.refused)} refused")
        if not self.refused:
            return line + "."
        return line + ": " + "; ".join(_reason(why) for _url, why in self.refused)


def _reason(why: str) -> str:
    return " ".join(why.split())


async def import_opml(context: Context, ref: ChatRef, kind: str, data: bytes) -> Imported:
    """Follow each URL an OPML file names, as /subscribe does (its SSRF rules and limits
    apply to each). Raises BadOpml, following nothing, when the file cannot be read safely."""
    urls = read_opml(data)
    followed: list[str] = []
    already: list[str] = []
    refused: list[tuple[str, str]] = []
    for url in urls:
        before = await _following(context, ref)
        try:
            await subscribe(context, ref, kind, url)
        except StorywatchError as error:  # a refused URL: the others are still followed
            refused.append((url, str(error)))
            continue
        (followed if await _following(context, ref) - before else already).append(url)
    return Imported(tuple(followed), tuple(already), tuple(refused))


async def _following(context: Context, ref: ChatRef) -> set[int]:
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    return {s.story_id for s in following if s.active}


@dataclass(frozen=True, slots=True)
class Export(CommandValue):
    """/export"""


@dataclass(frozen=True, slots=True)
class Import(CommandValue):
    """/import PATH (a file on the console's machine)."""

    path: str


def parse_export(args: str) -> Export:
    """/export takes no argument."""
    if args.strip():
        raise BadArgument("/export takes no argument (example: /export)")
    return Export()


def parse_import(args: str) -> Import:
    """/import's argument: the path of an OPML file (spaces and all)."""
    path = args.strip()
    if not path:
        raise BadArgument("/import needs the OPML file's path (example: /import feeds.opml)")
    return Import(path)


async def run_export(context: Context, caller: Caller, _command: Export) -> str:
    """The chat's subscriptions as OPML text (the console alone)."""
    _on_console(caller, "export")
    return await export_opml(context, caller.chat)


async def run_import(context: Context, caller: Caller, command: Import) -> str:
    """Follow what the OPML file at the path names; the one-line report (the console alone)."""
    _on_console(caller, "import FILE")
    data = await asyncio.to_thread(_read, command.path)
    imported = await import_opml(context, caller.chat, caller.kind, data)
    return imported.report()


def _on_console(caller: Caller, cli: str) -> None:
    """Refuses a command outside the console, naming the command line that does it."""
    if caller.chat.platform != CONSOLE:
        name = cli.split()[0]
        raise NotAllowed(f"/{name} works on the console for now; the bot's operator can run "
                         f"`storywatch opml {cli} --chat {_shown(caller.chat)}`.")


def _read(name: str) -> bytes:
    """The file's first MAX_BYTES + 1 bytes: enough for the reader to refuse a larger one."""
    path = Path(name).expanduser()
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)
    except OSError as error:
        raise BadArgument(f"cannot read {path}: {error.strerror or error}") from None
