"""Discord slash commands, bound thinly to the command layer (DESIGN §3).

Each slash command builds a command value from its options and hands it, with
the caller's facts, to `CommandLayer.run`; the reply is the interaction's
answer, ephemeral when it concerns only the caller, and never pings anyone.

    client = build_client(config.discord)
    install(client, layer, db)
    async with running(client, config.discord):  # syncs the commands
        ...

A chat is the channel the command was used in. A Discord thread is a channel
with its own id, so it is a chat of its own (DESIGN §1): ChatRef(chat_id=the
thread's id). In a DM the user is the admin; in a guild, a member with Manage
Channels in that channel. Admin commands also declare Manage Channels as their
default member permission, so Discord hides them from other members; the
check at run time stays, because a server may override that default.

Discord voids an interaction not answered within 3 seconds: /subscribe (which
fetches the page) defers at once; other commands answer directly when storage
replies within PATIENCE seconds and defer otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import cache
from typing import Literal, TypeVar
from zoneinfo import available_timezones

import aiohttp
import discord
from discord import app_commands

from bot.discord_app import StorywatchClient
from bot.errors import BadArgument
from bot.model import ChatRef
from handlers.commands import Caller, CommandLayer, Reply
from handlers.parse import (
    MAX_WORDS,
    USAGE,
    Command,
    DigestDaily,
    DigestEvery,
    DigestOff,
    FilterAction,
    FilterClear,
    FilterEdit,
    FilterList,
    Help,
    ListSubscriptions,
    Lock,
    Mute,
    Unlock,
    Unmute,
    Unsubscribe,
    parse_clock,
    parse_command,
    parse_duration,
    parse_words,
)
from storage import Database, chats, stories, subscriptions

_log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Seconds a command may take before it is deferred: well inside Discord's 3 s,
# which also covers the gateway's delivery of the interaction.
PATIENCE = 1.0
CONTENT_LIMIT = 2000  # characters in one Discord message
MAX_CHOICES = 25  # autocomplete choices Discord shows
CHOICE_CHARS = 100  # characters in a choice's name and value
FAILED = "Something went wrong with that command; please try again in a moment."
# The layer answers these privately whatever happens, so they defer privately.
PRIVATE_BY_NATURE = (Help, ListSubscriptions, FilterList)
ADMIN = app_commands.default_permissions(manage_channels=True)

Number = app_commands.Range[int, 1, 1_000_000]
T = TypeVar("T")


def install(client: StorywatchClient, layer: CommandLayer, db: Database) -> None:
    """Add storywatch's slash commands and their error handler to `client.tree`.

    Call before `running(client, ...)`, which syncs the tree with Discord.
    `db` serves autocomplete (the channel's subscriptions).
    """
    bindings = _Bindings(layer, db)
    commands: list[app_commands.Command | app_commands.Group] = [
        *_following_commands(bindings), _filter_group(bindings), *_setting_commands(bindings)]
    for command in commands:
        client.tree.add_command(command)
    client.tree.error(bindings.on_error)


def chat_of(interaction: discord.Interaction) -> ChatRef:
    """The chat an interaction came from: its channel, thread or DM."""
    return ChatRef("discord", str(interaction.channel_id))


def caller_of(interaction: discord.Interaction) -> Caller:
    """The caller's facts: where, what kind of chat, who, and whether they administer it."""
    in_dm = interaction.guild_id is None

    async def is_admin() -> bool:
        if in_dm:
            return True
        # The member's resolved permissions in this channel, overwrites included.
        allowed = interaction.permissions
        return allowed.manage_channels or allowed.administrator

    return Caller(chat_of(interaction), "dm" if in_dm else "guild", str(interaction.user.id),
                  is_admin)


class _Bindings:
    """Runs commands for interactions and answers them within Discord's deadline."""

    def __init__(self, layer: CommandLayer, db: Database) -> None:
        self._layer = layer
        self._db = db

    async def answer(self, interaction: discord.Interaction, build: Callable[[], Command],
                     *, patience: float = PATIENCE) -> None:
        """Build the command from the options, run it, and answer the interaction.

        A bad option value (BadArgument) is answered privately with its reason.
        """
        try:
            command = build()
        except BadArgument as error:
            await _send(interaction, Reply(_sentence(str(error)), private=True))
            return
        task = asyncio.ensure_future(self._layer.run(caller_of(interaction), command))
        if await _finished_within(task, patience):
            await _send(interaction, task.result())
            return
        deferred_private = isinstance(command, PRIVATE_BY_NATURE)
        await interaction.response.defer(ephemeral=deferred_private, thinking=True)
        reply = await task
        if reply.private and not deferred_private:
            # The first follow-up takes the deferral's visibility: a reason meant
            # for the caller alone must not replace a public "thinking…".
            await interaction.delete_original_response()
        for piece in _pieces(reply.text):
            await interaction.followup.send(piece, ephemeral=reply.private,
                                            allowed_mentions=NO_MENTIONS)

    async def story_choices(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        """The channel's subscriptions matching what was typed: "N. title", valued N."""
        chat = await chats.by_ref(self._db, chat_of(interaction))
        following = await subscriptions.for_chat(self._db, chat.id) if chat else []
        typed = current.strip().lower()
        choices = []
        for number, subscription in enumerate(following, 1):
            story = await stories.get(self._db, subscription.story_id)
            label = f"{number}. {(story.title or story.url) if story else '(no longer tracked)'}"
            if typed in label.lower() or (story is not None and typed in story.url.lower()):
                choices.append(app_commands.Choice(name=_clipped(label), value=str(number)))
            if len(choices) == MAX_CHOICES:
                break
        return choices

    async def on_error(self, interaction: discord.Interaction,
                       error: app_commands.AppCommandError) -> None:
        """Log a command that failed, and tell the caller in one line rather than nothing."""
        name = interaction.command.qualified_name if interaction.command else "?"
        _log.error("/%s failed in Discord channel %s", name, interaction.channel_id,
                   exc_info=error)
        if interaction.type is discord.InteractionType.autocomplete:
            return  # no message may answer an autocomplete: the user just sees no choices
        try:
            if interaction.response.is_done():
                await interaction.followup.send(FAILED, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(FAILED, ephemeral=True,
                                                        allowed_mentions=NO_MENTIONS)
        except (discord.HTTPException, aiohttp.ClientError) as failure:
            _log.warning("could not tell the caller /%s failed: %r", name, failure)


def _following_commands(bindings: _Bindings) -> list[app_commands.Command]:
    @app_commands.command(description="Follow a live story: its new updates are posted here")
    @app_commands.describe(url="The story's address: a live blog, a feed or a page of updates")
    async def subscribe(interaction: discord.Interaction, url: str) -> None:
        await bindings.answer(interaction, lambda: _parsed("subscribe", url), patience=0.0)

    @app_commands.command(description="Stop following a story")
    @app_commands.describe(story="The story's number in /list, or its address")
    async def unsubscribe(interaction: discord.Interaction, story: str) -> None:
        await bindings.answer(interaction, lambda: Unsubscribe(story.strip().lstrip("#")))

    @unsubscribe.autocomplete("story")
    async def _stories(interaction: discord.Interaction, current: str
                       ) -> list[app_commands.Choice[str]]:
        return await bindings.story_choices(interaction, current)

    @app_commands.command(name="list", description="The stories this channel follows")
    @app_commands.describe(page="Which page, when there are many")
    async def list_(interaction: discord.Interaction, page: Number = 1) -> None:
        await bindings.answer(interaction, lambda: ListSubscriptions(page))

    @app_commands.command(name="help", description="What storywatch does, and its commands")
    async def help_(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, Help)

    return [subscribe, unsubscribe, list_, help_]


def _filter_group(bindings: _Bindings) -> app_commands.Group:
    # No default permission on the group: `/filter list` is for every member
    # (DESIGN §3), and Discord sets default permissions per top-level command.
    group = app_commands.Group(name="filter", description="Keyword filters of this channel "
                               "(or of one story)")
    words_help = 'Words or "quoted phrases"; a trailing * matches a prefix (sanction*)'
    number_help = "A story's number in /list; leave out for the whole channel"

    def edit(action: FilterAction, description: str) -> app_commands.Command:
        @app_commands.command(name=action, description=description)
        @app_commands.describe(words=words_help, number=number_help)
        async def command(interaction: discord.Interaction, words: str,
                          number: Number | None = None) -> None:
            await bindings.answer(interaction, lambda: _filter_edit(number, action, words))

        return command

    @app_commands.command(name="clear", description="Remove every filter word")
    @app_commands.describe(number=number_help)
    async def clear(interaction: discord.Interaction, number: Number | None = None) -> None:
        await bindings.answer(interaction, lambda: FilterClear(number))

    @app_commands.command(name="list", description="Show the filter words")
    @app_commands.describe(number=number_help)
    async def list_(interaction: discord.Interaction, number: Number | None = None) -> None:
        await bindings.answer(interaction, lambda: FilterList(number))

    commands: list[app_commands.Command] = [
        edit("add", "Only updates with any of these words"),
        edit("exclude", "Drop updates with any of these words"),
        edit("remove", "Remove these filter words"), clear, list_]
    for command in commands:
        group.add_command(command)
    return group


def _setting_commands(bindings: _Bindings) -> list[app_commands.Command]:
    @ADMIN
    @app_commands.command(description="Hold this channel's alerts for a while")
    @app_commands.describe(duration="How long: 90m, 1h30m, 2d")
    async def mute(interaction: discord.Interaction, duration: str) -> None:
        await bindings.answer(interaction, lambda: Mute(_value("mute", parse_duration, duration)))

    @ADMIN
    @app_commands.command(description="Let alerts flow again")
    async def unmute(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, Unmute)

    @ADMIN
    @app_commands.command(description="Batch alerts into one message per period")
    @app_commands.describe(mode="off, every DURATION, or daily at HH:MM",
                           value="For every: 2h, 30m; for daily: 08:00")
    async def digest(interaction: discord.Interaction, mode: Literal["off", "every", "daily"],
                     value: str | None = None) -> None:
        await bindings.answer(interaction, lambda: _digest(mode, value))

    @ADMIN
    @app_commands.command(description="The time zone of times shown in this channel")
    @app_commands.describe(zone="An IANA zone: Europe/London, America/New_York")
    async def timezone(interaction: discord.Interaction, zone: str) -> None:
        await bindings.answer(interaction, lambda: _parsed("timezone", zone))

    @timezone.autocomplete("zone")
    async def _zones(interaction: discord.Interaction, current: str
                     ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @ADMIN
    @app_commands.command(description="Only admins may (un)subscribe here")
    async def lock(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, Lock)

    @ADMIN
    @app_commands.command(description="Members may (un)subscribe here")
    async def unlock(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, Unlock)

    return [mute, unmute, digest, timezone, lock, unlock]


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """IANA zones containing what was typed (ignoring case and spaces for underscores)."""
    typed = current.strip().lower().replace(" ", "_")
    found = [zone for zone in _zones() if typed in zone.lower()]
    return [app_commands.Choice(name=zone, value=zone) for zone in found[:MAX_CHOICES]]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone))


def _parsed(name: str, argument: str) -> Command:
    """The command as its text form parses: one rule for what a story URL or a zone is."""
    command = parse_command(f"/{name} {argument.strip()}")
    if command is None:  # unreachable: the text starts with "/"
        raise BadArgument(f"example: {USAGE[name]}")
    return command


def _filter_edit(number: int | None, action: FilterAction, text: str) -> FilterEdit:
    words = parse_words(text)
    if not words:
        raise BadArgument(f"/filter {action} needs at least one word; example: {USAGE['filter']}")
    if len(words) > MAX_WORDS:
        raise BadArgument(f"at most {MAX_WORDS} words at a time; example: {USAGE['filter']}")
    return FilterEdit(number, action, words)


def _digest(mode: str, value: str | None) -> Command:
    value = (value or "").strip()
    if mode == "off":
        return DigestOff()
    if not value:
        wanted = "a duration like 2h" if mode == "every" else "a time like 08:00"
        raise BadArgument(f"/digest {mode} needs {wanted} as its value; "
                          f"example: {USAGE['digest']}")
    if mode == "every":
        return DigestEvery(_value("digest", parse_duration, value))
    return DigestDaily(_value("digest", parse_clock, value))


def _value(name: str, parse: Callable[[str], T], text: str) -> T:
    """`parse(text)`, its BadArgument completed with an example of the command."""
    try:
        return parse(text)
    except BadArgument as error:
        raise BadArgument(f"{error}; example: {USAGE[name]}") from None


async def _finished_within(task: asyncio.Future[Reply], seconds: float) -> bool:
    """Whether `task` is done within `seconds`; it runs on either way (cancelled with us)."""
    if seconds <= 0:
        return task.done()
    try:
        await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    return task.done()


async def _send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer the interaction with `reply`, in as many messages as Discord's limit needs."""
    first, *rest = _pieces(reply.text)
    await interaction.response.send_message(first, ephemeral=reply.private,
                                            allowed_mentions=NO_MENTIONS)
    for piece in rest:
        await interaction.followup.send(piece, ephemeral=reply.private,
                                        allowed_mentions=NO_MENTIONS)


def _pieces(text: str) -> list[str]:
    """`text` cut into messages within Discord's content limit, at line ends where it can."""
    pieces = []
    while len(text) > CONTENT_LIMIT:
        cut = text.rfind("\n", 0, CONTENT_LIMIT + 1)
        cut = cut if cut > 0 else CONTENT_LIMIT
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*pieces, text]


def _clipped(text: str) -> str:
    return text if len(text) <= CHOICE_CHARS else text[:CHOICE_CHARS - 1] + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]
