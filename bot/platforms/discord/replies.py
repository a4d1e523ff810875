"""How a Discord interaction is answered: within the content limit, never pinging anyone,
and on time (a reply that takes long is deferred by the caller, then followed up)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord

from bot.platforms.discord.components import view_of
from handlers.commands import Reply

NO_MENTIONS = discord.AllowedMentions.none()
CONTENT_LIMIT = 2000  # characters in one Discord message


async def finished_within(task: asyncio.Future[Any], seconds: float) -> bool:
    """Whether `task` is done within `seconds`; it runs on either way (cancelled with us)."""
    if seconds <= 0:
        return task.done()
    try:
        await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    return task.done()


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer the interaction with `reply`, in as many messages as Discord's limit needs;
    a file and the reply's buttons go with the last."""
    first, *rest = pieces(reply.text)
    view = view_of(reply.buttons)
    await interaction.response.send_message(first, ephemeral=reply.private,
                                            allowed_mentions=NO_MENTIONS,
                                            file=_file(reply, last=not rest),
                                            view=_buttons(view, not rest))
    for number, piece in enumerate(rest, 1):
        await interaction.followup.send(piece, ephemeral=reply.private,
                                        allowed_mentions=NO_MENTIONS,
                                        file=_file(reply, last=number == len(rest)),
                                        view=_buttons(view, number == len(rest)))


async def follow_up(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer a deferred interaction with `reply`, in follow-up messages; a file and the
    reply's buttons go with the last."""
    parts, view = pieces(reply.text), view_of(reply.buttons)
    for number, piece in enumerate(parts, 1):
        await interaction.followup.send(piece, ephemeral=reply.private,
                                        allowed_mentions=NO_MENTIONS,
                                        file=_file(reply, last=number == len(parts)),
                                        view=_buttons(view, number == len(parts)))


def _file(reply: Reply, *, last: bool) -> discord.File:
    """The reply's file for its last message; else discord.py's "none given" (MISSING),
    which keeps a message without a file plain JSON."""
    if reply.attachment is None or not last:
        return discord.utils.MISSING
    attached = reply.attachment
    # A fresh File per message: discord.py closes the one it has sent.
    return discord.File(io.BytesIO(attached.data), filename=attached.filename)


def _buttons(view: discord.ui.View | None, last: bool) -> discord.ui.View:
    """The `view` argument for a piece of a reply: only the last piece has the buttons."""
    return view if view is not None and last else discord.utils.MISSING


def pieces(text: str) -> list[str]:
    """`text` cut into messages within Discord's content limit, at line ends where it can."""
    cut_up = []
    while len(text) > CONTENT_LIMIT:
        cut = text.rfind("\n", 0, CONTENT_LIMIT + 1)
        cut = cut if cut > 0 else CONTENT_LIMIT
        cut_up.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*cut_up, text]
