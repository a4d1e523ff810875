"""A reply's buttons (handlers.buttons) as Discord message components.

discord.py keeps the views it sends in memory to route presses to their callbacks; these
are sent stopped, so it keeps none: presses go to `presses.DiscordPresses.on_interaction`,
which reads their custom_id, after a restart too.
"""

from __future__ import annotations

import discord

from bot.core.model import Button, ButtonRows

ROWS, PER_ROW = 5, 5  # Discord's most action rows in a message, and buttons in a row
LABEL_CHARS = 80


def view_of(rows: ButtonRows) -> discord.ui.View | None:
    """The components of a reply's buttons (None when it has none), within Discord's rows:
    the buttons' own rows where they fit, else their first row and the rest in rows of
    five (a page of /list: the chat's row, then two buttons a subscription)."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(_laid_out(rows)):
        for button in row:
            view.add_item(discord.ui.Button(label=button.label[:LABEL_CHARS],
                                            custom_id=button.data, row=number))
    view.stop()  # sent for its components only: presses come to `on_interaction`
    return view


def _laid_out(rows: ButtonRows) -> list[tuple[Button, ...]]:
    if len(rows) <= ROWS and all(len(row) <= PER_ROW for row in rows):
        return list(rows)
    first, rest = rows[0][:PER_ROW], [b for row in rows[1:] for b in row]
    flowed = [tuple(rest[i:i + PER_ROW]) for i in range(0, len(rest), PER_ROW)]
    return [first, *flowed][:ROWS]
