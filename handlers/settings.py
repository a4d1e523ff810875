"""/filter, /mute, /unmute, /digest, /timezone, /edits, /images, /lock, /unlock: how a chat
wants its alerts."""

from __future__ import annotations

from datetime import timedelta

from bot.core.digest_plan import next_daily, next_digest
from bot.core.errors import BadArgument, NotFound
from bot.core.model import ChatRef
from bot.core.render import format_time
from handlers.command_values import (
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterClear,
    FilterEdit,
    FilterList,
    Lock,
    Mute,
    SetEdits,
    SetImages,
    SetTimezone,
    Unlock,
    Unmute,
)
from handlers.context import Context
from handlers.following import describe_filters
from storage import Transaction, chats, filters, outbox, subscriptions
from storage.chats import Chat

FilterCommand = FilterEdit | FilterClear | FilterList
KINDS = {"add": "include", "exclude": "exclude"}


async def filters_command(context: Context, ref: ChatRef, kind: str, command: FilterCommand
                          ) -> str:
    """Edit or show the filters of the chat, or of its subscription N.

    Raises NotFound, changing nothing, for a subscription number the chat does not
    have (a leading number is always one: a word that is a number goes after the
    action, as /help filter says), BadArgument past the filters cap.
    """
    chat = await context.chat(ref)
    following = await subscriptions.for_chat(context.db, chat.id) if chat else []
    number = command.number
    if number is not None and not 1 <= number <= len(following):
        raise NotFound(f"There is no subscription {number} here; /list shows the numbers"
                       f" (to filter on the word {number}: /filter add {number}).")
    level = following[number - 1].id if number is not None else None
    where = f"subscription {number}" if number is not None else "this chat"
    if isinstance(command, FilterEdit):
        async with context.db.write() as tx:
            chat = await context.ensure_chat(tx, ref, kind)
            await _edit(context, tx, chat, level, command)
    elif isinstance(command, FilterClear) and chat is not None:
        async with context.db.write() as tx:
            await filters.clear(tx, chat.id, level)
    if chat is None:
        return f"Filters of {where}: none."
    words = await filters.of_level(context.db, chat.id, level)
    return f"Filters of {where}: {describe_filters(words.include, words.exclude)}."


async def _edit(context: Context, tx: Transaction, chat: Chat, level: int | None,
                command: FilterEdit) -> None:
    if command.action == "remove":
        await filters.remove(tx, chat.id, level, command.words)
        return
    present = await filters.of_level(tx, chat.id, level)
    fresh = {w for w in command.words if w not in present.include + present.exclude}
    cap = context.limits.filters_per_subscription
    if len(present.include) + len(present.exclude) + len(fresh) > cap:
        raise BadArgument(f"At most {cap} filter words here; remove some first "
                          "(example: /filter remove sport).")
    await filters.add(tx, chat.id, level, KINDS[command.action], command.words,
                      now=context.clock())


async def chat_setting(context: Context, ref: ChatRef, kind: str, command: Command) -> str:
    """Carry out /mute, /unmute, /digest, /timezone, /edits, /images, /lock or /unlock for
    the chat."""
    async with context.db.write() as tx:
        chat = await context.ensure_chat(tx, ref, kind)
        return await _apply(context, tx, chat, command)


async def _apply(context: Context, tx: Transaction, chat: Chat, command: Command) -> str:
    now, zone = context.clock(), context.zone(chat)
    match command:
        case Mute(duration):
            until = now + duration
            await chats.set_muted_until(tx, chat.id, until)
            return (f"Muted until {format_time(until, zone)}. What arrives meanwhile comes "
                    "in one digest when the mute ends.")
        case Unmute():
            if chat.muted_until is None or chat.muted_until <= now:
                return "This chat is not muted."
            # The digest tick releases what was held once the mute has ended.
            await chats.set_muted_until(tx, chat.id, now)
            return _unmuted(len(await outbox.held(tx, chat.id)))
        case DigestOff():
            await chats.set_digest(tx, chat.id, mode="off", next_at=now)
            return "Digest off: one alert per update again."
        case DigestEvery(interval):
            floor = timedelta(seconds=context.limits.digest_floor)
            if interval < floor:
                raise BadArgument(f"A digest comes at most every {spoken(floor)}, not"
                                  f" every {spoken(interval)}; example: /digest every 30m")
            await chats.set_digest(tx, chat.id, mode="every", every=interval.total_seconds(),
                                   next_at=now + interval)
            return f"Digest every {spoken(interval)}: alerts come together in one message."
        case DigestDaily(at):
            due = next_daily(at, zone, now)
            await chats.set_digest(tx, chat.id, mode="daily", at=f"{at:%H:%M}", next_at=due)
            return f"Digest daily at {at:%H:%M} ({zone}); the next at {format_time(due, zone)}."
        case SetTimezone(new_zone):
            await chats.set_timezone(tx, chat.id, new_zone)
            await _follow_zone(tx, chat, new_zone, context)
            return f"Times here are now shown in {new_zone}: it is {format_time(now, new_zone)}."
        case SetEdits(on):
            await chats.set_edits(tx, chat.id, on)
            return ("Edits on: when a story corrects an update, the alert already sent is "
                    "edited." if on else
                    "Edits off: alerts already sent stay as they were when an update is corrected.")
        case SetImages(on):
            await chats.set_images(tx, chat.id, on)
            return ("Images on: alerts carry the update's picture when it has one." if on else
                    "Images off: alerts come as text, without the update's picture.")
        case Lock() | Unlock():
            locked = isinstance(command, Lock)
            await chats.set_locked(tx, chat.id, locked)
            return ("Locked: only admins can (un)subscribe here." if locked
                    else "Unlocked: members can (un)subscribe here.")
    raise AssertionError(f"not a chat setting: {command!r}")


async def _follow_zone(tx: Transaction, chat: Chat, zone: str, context: Context) -> None:
    """A daily digest keeps its wall-clock time in the new zone."""
    if chat.digest_mode == "daily":
        due = next_digest("daily", every=None, at=chat.digest_at, zone=zone,
                          previous_due=None, now=context.clock())
        await chats.set_digest(tx, chat.id, mode="daily", at=chat.digest_at, next_at=due)


def _unmuted(held: int) -> str:
    if not held:
        return "Unmuted. Nothing arrived while this chat was muted."
    if held == 1:
        return "Unmuted. The 1 update held meanwhile comes now."
    return f"Unmuted. The {held} updates held meanwhile come now, in one digest."


def spoken(interval: timedelta) -> str:
    """`interval` in words: "2 hours", "90 minutes", "45 seconds"."""
    seconds = int(interval.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"
