"""/successors [N] on|off: whether a chat's subscriptions (or subscription N) move to the page
that continues their story when it ends (docs/BEHAVIOUR.md, Successors). On by default.

Without N the setting is the chat's, for all its subscriptions (clearing their own); with N
it is that subscription's, over the chat's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import BadArgument, NotFound
from bot.core.model import ChatRef
from handlers.command_values import CommandValue
from handlers.context import Context
from handlers.options import Options
from handlers.parse import example
from storage import chats, subscriptions


@dataclass(frozen=True, slots=True)
class SetSuccessors(CommandValue):
    """/successors [N] on|off: `number` is a subscription's in /list, None for the chat."""

    number: int | None
    on: bool


def parse(args: str) -> SetSuccessors:
    """`[N] on|off`. Raises BadArgument with an example."""
    parts = args.split()
    if not parts or len(parts) > 2:
        raise BadArgument(f"/successors takes on or off, with a number from /list before it "
                          f"for one subscription; {example('successors')}")
    number = None
    if len(parts) == 2:
        if not parts[0].isdigit() or int(parts[0]) < 1:
            raise BadArgument(f"{parts[0][:20]!r} is not a subscription's number from /list; "
                              f"{example('successors')}")
        number = int(parts[0])
    setting = parts[-1].lower()
    if setting not in {"on", "off"}:
        raise BadArgument(f"/successors takes on or off, not {setting[:20]!r}; "
                          f"{example('successors')}")
    return SetSuccessors(number, setting == "on")


def build(given: Options, _max_chars: int) -> SetSuccessors:
    """The slash command's options: `setting` (on/off) and an optional `number`."""
    number = given.get("number")
    return SetSuccessors(int(number) if number is not None else None, given["setting"] == "on")


async def set_successors(context: Context, ref: ChatRef, kind: str,
                         command: SetSuccessors) -> str:
    """Carry out /successors for the chat; returns the reply."""
    async with context.db.write() as tx:
        chat = await context.ensure_chat(tx, ref, kind)
        if command.number is None:
            await chats.set_successors(tx, chat.id, command.on)
            return ("Successors on: when a followed page ends and points to the page that "
                    "continues its story, this chat follows the story there." if command.on
                    else "Successors off: this chat stays on the pages it follows, even when "
                    "a page ends and points to its continuation.")
        following = await subscriptions.for_chat(tx, chat.id)
        if command.number > len(following):
            raise NotFound(f"There is no subscription {command.number} here; /list shows the "
                           "numbers.")
        await subscriptions.set_successors(tx, following[command.number - 1].id, command.on)
    return (f"Successors {'on' if command.on else 'off'} for subscription {command.number}: "
            + ("it follows its story to the page that continues it." if command.on
               else "it stays on its page when the page points to a continuation."))
