"""/preview URL: what `storywatch check` shows of a story, in the chat, without following it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.core.errors import CommandError, NoUpdates
from bot.core.model import Entry
from bot.core.render import format_time
from bot.edges.urls import normalize_url
from handlers.caller import Caller
from handlers.command_values import CommandValue
from handlers.context import Context
from handlers.parse import story_url

SHOWN = 3
"""How many of the newest updates a preview shows."""


@dataclass(frozen=True, slots=True)
class Preview(CommandValue):
    """/preview URL (not yet normalised or checked)."""

    url: str


def parse(args: str) -> Preview:
    """/preview's argument: a story's web address, as /subscribe takes it."""
    return Preview(story_url("preview", args))


async def preview(context: Context, caller: Caller, command: Preview) -> str:
    """The story's title, its newest SHOWN updates with their times (in the chat's zone) and
    how many it has, fetched now; nothing is stored and nothing followed.

    Raises FetchError (the reply) when the page cannot be fetched, CommandError when it
    holds no updates.
    """
    if context.pages is None:
        raise CommandError("Previews are not available here.")
    url = normalize_url(command.url)
    try:
        page = await context.pages.read(url)
    except NoUpdates as error:
        raise CommandError(str(error)) from None
    zone = context.zone(await context.chat(caller.chat))
    count = len(page.entries)
    name = f"“{page.title}”" if page.title else url
    lines = [f"{name}: {count} update{'' if count == 1 else 's'}; the newest:"]
    shown = page.entries[:SHOWN]
    # The configured summarizer's (it never raises: a failing LLM gives the extractive one).
    gists = await asyncio.gather(*(context.summarizer.summarize(
        entry.title, entry.text, min(context.summary_chars, 200)) for entry in shown))
    lines += [_line(entry, zone, gist) for entry, gist in zip(shown, gists, strict=True)]
    lines.append(f"Not followed here; to follow it: /subscribe {url}")
    return "\n".join(lines)


def _line(entry: Entry, zone: str, gist: str) -> str:
    when = format_time(entry.published_at, zone) if entry.published_at else "untimed"
    return f"{when}: {gist}"
