"""/export and /import: a chat's subscriptions out and in as OPML."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.errors import BadArgument, BadOpml, StorywatchError
from bot.core.model import Attachment, ChatRef, Notice
from bot.core.opml import MAX_BYTES, Outline, read_opml, write_opml
from handlers.caller import Caller, Upload
from handlers.command_values import CommandValue
from handlers.context import Context
from handlers.following import subscribe
from storage import stories, subscriptions

CONSOLE = "console"
"""The one platform where /import reads a path: elsewhere a path would name a file on the
bot's machine, and files travel with the command (a document, an attachment)."""
TOO_BIG = "the file is over {kib} KiB, the most an import reads"
NO_FILE = ("/import needs an OPML file: send the file with the caption /import, or answer it "
           "with /import (on the console: /import feeds.opml)")
NO_PATH_HERE = ("/import reads a file sent with it here, not a path on the bot's machine: send "
                "the OPML file with the caption /import")

# Path endings that name a feed rather than a page, for a story whose kind is not known.
_FEED_ENDINGS = (".xml", ".rss", ".atom", ".rdf", "/feed", "/rss", "/atom", "/feed/", "/rss/")


async def export_opml(context: Context, ref: ChatRef) -> str:
    """The chat's followed stories as an OPML 2.0 document."""
    return write_opml(f"storywatch: {_shown(ref)}", await _outlines(context, ref))


async def _outlines(context: Context, ref: ChatRef) -> list[Outline]:
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    outlines = []
    for subscription in following:
        story = await stories.get(context.db, subscription.story_id)
        if subscription.active and story is not None:
            outlines.append(Outline(story.url, story.title or story.url, _is_feed(story)))
    return outlines


def _is_feed(story: stories.Story) -> bool:
    """What the story's last check read; for one not checked since that was recorded
    (stories followed before it was), what its URL looks like."""
    if story.feed is not None:
        return story.feed
    return urlsplit(story.url).path.lower().endswith(_FEED_ENDINGS)


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
    """/import PATH (a file on the console's machine), or /import alone (the file sent
    with the command)."""

    path: str | None = None


def parse_export(args: str) -> Export:
    """/export takes no argument."""
    if args.strip():
        raise BadArgument("/export takes no argument (example: /export)")
    return Export()


def parse_import(args: str) -> Import:
    """/import's argument: the path of an OPML file (spaces and all), or none when the
    file comes with the command."""
    return Import(args.strip() or None)


async def run_export(context: Context, caller: Caller, _command: Export) -> Notice:
    """The chat's subscriptions as an OPML file, with a one-line caption."""
    outlines = await _outlines(context, caller.chat)
    text = write_opml(f"storywatch: {_shown(caller.chat)}", outlines)
    count = len(outlines)
    caption = (f"This chat's {count} subscription{'' if count == 1 else 's'} as OPML 2.0: "
               "send the file with /import to follow them in another chat.")
    return Notice(caption, attachment=Attachment(export_filename(caller.chat), text.encode()))


def export_filename(ref: ChatRef) -> str:
    """storywatch-<chat>.opml, the chat named in characters every file system takes."""
    shown = re.sub(r"[^A-Za-z0-9_.]+", "-", _shown(ref)).strip("-")
    return f"storywatch-{shown}.opml"


async def run_import(context: Context, caller: Caller, command: Import) -> str:
    """Follow what the OPML file sent with the command (or, on the console, at the path)
    names; the one-line report. Raises, following nothing, BadArgument for a missing file
    and BadOpml for one too large or that cannot be read safely."""
    data = await _opml_of(caller, command)
    imported = await import_opml(context, caller.chat, caller.kind, data)
    return imported.report()


async def _opml_of(caller: Caller, command: Import) -> bytes:
    if caller.upload is not None:
        return await _downloaded(caller.upload)
    if command.path is None:
        raise BadArgument(NO_FILE)
    if caller.chat.platform != CONSOLE:
        raise BadArgument(NO_PATH_HERE)
    return await asyncio.to_thread(_read, command.path)


async def _downloaded(upload: Upload) -> bytes:
    """The upload's bytes; a file stated or found larger than MAX_BYTES is refused, the
    stated size before anything is downloaded."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise BadOpml(TOO_BIG.format(kib=MAX_BYTES // 1024))
    return await upload.read(MAX_BYTES)  # read_opml refuses what is larger than stated


def _read(name: str) -> bytes:
    """The file's first MAX_BYTES + 1 bytes: enough for the reader to refuse a larger one."""
    path = Path(name).expanduser()
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)
    except OSError as error:
        raise BadArgument(f"cannot read {path}: {error.strerror or error}") from None
