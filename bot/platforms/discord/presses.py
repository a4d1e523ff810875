"""The buttons under /list (handlers.buttons) on Discord: message components, and their
presses (component interactions, type 3) carried out by the command layer.

A refused press (not allowed, a subscription gone, a flood of presses) is answered
privately with why, and nothing changes. A press carried out updates the pressed message
in place (UPDATE_MESSAGE): what happened on top, the list as it is now below, with fresh
buttons. A press that takes longer than PATIENCE is deferred first, as commands are.

Every press reaches `on_interaction`, after a restart too (`components.view_of`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp
import discord

from bot.platforms.discord import replies
from bot.platforms.discord.components import view_of
from handlers.commands import Caller, CommandLayer, Pressed, Reply

_log = logging.getLogger(__name__)

PATIENCE = 1.0  # seconds before a press is deferred, well inside Discord's 3
CUT = "\n… (the rest: /list)"
FAILED = "Something went wrong with that button; please try again in a moment."

CallerOf = Callable[[discord.Interaction], Caller]


class DiscordPresses:
    """Component interactions to the command layer, and their answers back."""

    def __init__(self, layer: CommandLayer, caller_of: CallerOf) -> None:
        self._layer = layer
        self._caller_of = caller_of

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Carry out a press of one of our buttons and answer it."""
        if interaction.type is not discord.InteractionType.component:
            return
        data = str(dict(interaction.data or {}).get("custom_id", ""))
        task = asyncio.ensure_future(self._layer.press(self._caller_of(interaction), data))
        try:
            if not await replies.finished_within(task, PATIENCE):
                await interaction.response.defer()  # a deferred update of the pressed message
            pressed = await task
        except Exception:  # a press is a job boundary: log it, answer, keep serving others
            _log.exception("button %r failed in Discord channel %s", data[:100],
                           interaction.channel_id)
            pressed = Pressed(FAILED, refused=True)
        try:
            await _answer(interaction, pressed)
        except (discord.HTTPException, aiohttp.ClientError) as failure:
            _log.warning("could not answer a button press: %r", failure)


async def _answer(interaction: discord.Interaction, pressed: Pressed) -> None:
    """A refusal privately to the presser; else the pressed message redrawn."""
    deferred = interaction.response.is_done()
    if pressed.page is not None:
        await _redraw(interaction, pressed.page, deferred)
    elif not pressed.text:
        if not deferred:
            await interaction.response.defer()
    elif deferred:
        await interaction.followup.send(pressed.text, ephemeral=True,
                                        allowed_mentions=replies.NO_MENTIONS)
    else:
        await interaction.response.send_message(pressed.text, ephemeral=True,
                                                allowed_mentions=replies.NO_MENTIONS)


async def _redraw(interaction: discord.Interaction, page: Reply, deferred: bool) -> None:
    content, view = _fitted(page.text), view_of(page.buttons)
    if deferred:
        await interaction.edit_original_response(content=content, view=view,
                                                 allowed_mentions=replies.NO_MENTIONS)
    else:
        await interaction.response.edit_message(content=content, view=view,
                                                allowed_mentions=replies.NO_MENTIONS)


def _fitted(text: str) -> str:
    """`text` within one message: whole lines while they fit, then a line saying it is cut."""
    if len(text) <= replies.CONTENT_LIMIT:
        return text
    kept = ""
    for line in text.splitlines():
        longer = f"{kept}\n{line}" if kept else line
        if len(longer + CUT) > replies.CONTENT_LIMIT:
            break
        kept = longer
    return kept + CUT
