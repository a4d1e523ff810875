"""Discord slash commands, bound thinly to the command layer (DESIGN §3).

Each slash command builds a command value from its options (`discord_options`)
and hands it, with the caller's facts, to `CommandLayer.run`; the reply is the
interaction's answer (`discord_replies`), ephemeral when it concerns only the
caller, and never pings anyone.

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
from typing import Literal

import aiohttp
import discord
from discord import app_commands

from bot.core.errors import BadArgument
from bot.core.model import ChatRef
from bot.platforms.discord import options, replies
from bot.platforms.discord.messenger import StorywatchClient
from handlers.command_values import (
    Command,
    FilterAction,
    FilterClear,
    FilterList,
    Help,
    ListSubscriptions,
    Lock,
    Status,
    Unlock,
    Unmute,
)
from handlers.commands import PRIVATE, Caller, CommandLayer
from storage import Database, chats, stories, subscriptions

_log = logging.getLogger(__name__)

# Seconds a command may take before it is deferred: well inside Discord's 3 s,
# which also covers the gateway's delivery of the interaction.
PATIENCE = 1.0
MAX_CHOICES = options.MAX_CHOICES
CHOICE_CHARS = 100  # characters in a choice's name and value
FAILED = "Something went wrong with that command; please try again in a moment."
# The layer answers these privately whatever happens, so they defer privately.
PRIVATE_BY_NATURE = PRIVATE
ADMIN = app_commands.default_permissions(manage_channels=True)

Number = app_commands.Range[int, 1, 1_000_000]


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

    async def answer(self, interaction: discord.Interaction,
                     build: Callable[[int], Command], *, patience: float = PATIENCE) -> None:
        """Build the command from the options (given the argument cap), run it, and answer.

        A bad option value (BadArgument) is answered privately with its reason. A
        throttled caller's command is not answered: Discord tells them it failed.
        """
        caller = caller_of(interaction)
        try:
            command = build(self._layer.argument_chars)
        except BadArgument as error:
            refusal = self._layer.refuse(caller, error)
            if refusal is not None:
                await replies.send(interaction, refusal)
            return
        task = asyncio.ensure_future(self._layer.run(caller, command))
        if await replies.finished_within(task, patience):
            if (reply := task.result()) is not None:
                await replies.send(interaction, reply)
            return
        deferred_private = isinstance(command, PRIVATE_BY_NATURE)
        await interaction.response.defer(ephemeral=deferred_private, thinking=True)
        reply = await task
        if reply is None or (reply.private and not deferred_private):
            # The first follow-up takes the deferral's visibility: a reason meant
            # for the caller alone must not replace a public "thinking…".
            await interaction.delete_original_response()
        if reply is None:
            return
        await replies.follow_up(interaction, reply)

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
                                                allowed_mentions=replies.NO_MENTIONS)
            else:
                await interaction.response.send_message(FAILED, ephemeral=True,
                                                        allowed_mentions=replies.NO_MENTIONS)
        except (discord.HTTPException, aiohttp.ClientError) as failure:
            _log.warning("could not tell the caller /%s failed: %r", name, failure)


def _following_commands(bindings: _Bindings) -> list[app_commands.Command]:
    @app_commands.command(description="Follow a live story: its new updates are posted here")
    @app_commands.describe(url="The story's address: a live blog, a feed or a page of updates")
    async def subscribe(interaction: discord.Interaction, url: str) -> None:
        await bindings.answer(interaction, lambda cap: options.parsed("subscribe", url, cap),
                             patience=0.0)

    @app_commands.command(description="Stop following a story")
    @app_commands.describe(story="The story's number in /list, or its address")
    async def unsubscribe(interaction: discord.Interaction, story: str) -> None:
        await bindings.answer(interaction, lambda cap: options.unsubscribe(story, cap))

    @unsubscribe.autocomplete("story")
    async def _stories(interaction: discord.Interaction, current: str
                       ) -> list[app_commands.Choice[str]]:
        return await bindings.story_choices(interaction, current)

    @app_commands.command(name="list", description="The stories this channel follows")
    @app_commands.describe(page="Which page, when there are many")
    async def list_(interaction: discord.Interaction, page: Number = 1) -> None:
        await bindings.answer(interaction, lambda _cap: ListSubscriptions(page))

    @app_commands.command(name="help", description="What storywatch does, and its commands")
    async def help_(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, lambda _cap: Help())

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
            await bindings.answer(
                interaction, lambda cap: options.filter_edit(number, action, words, cap))

        return command

    @app_commands.command(name="clear", description="Remove every filter word")
    @app_commands.describe(number=number_help)
    async def clear(interaction: discord.Interaction, number: Number | None = None) -> None:
        await bindings.answer(interaction, lambda _cap: FilterClear(number))

    @app_commands.command(name="list", description="Show the filter words")
    @app_commands.describe(number=number_help)
    async def list_(interaction: discord.Interaction, number: Number | None = None) -> None:
        await bindings.answer(interaction, lambda _cap: FilterList(number))

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
        await bindings.answer(interaction, lambda cap: options.mute(duration, cap))

    @ADMIN
    @app_commands.command(description="Let alerts flow again")
    async def unmute(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, lambda _cap: Unmute())

    @ADMIN
    @app_commands.command(description="Batch alerts into one message per period")
    @app_commands.describe(mode="off, every DURATION, or daily at HH:MM",
                           value="For every: 2h, 30m; for daily: 08:00")
    async def digest(interaction: discord.Interaction, mode: Literal["off", "every", "daily"],
                     value: str | None = None) -> None:
        await bindings.answer(interaction, lambda cap: options.digest(mode, value, cap))

    @ADMIN
    @app_commands.command(description="The time zone of times shown in this channel")
    @app_commands.describe(zone="An IANA zone: Europe/London, America/New_York")
    async def timezone(interaction: discord.Interaction, zone: str) -> None:
        await bindings.answer(interaction, lambda cap: options.parsed("timezone", zone, cap))

    @timezone.autocomplete("zone")
    async def _zones(interaction: discord.Interaction, current: str
                     ) -> list[app_commands.Choice[str]]:
        return options.zone_choices(current)

    @ADMIN
    @app_commands.command(description="Whether a corrected update edits the alert already sent")
    @app_commands.describe(setting="on: edit alerts in place; off: leave them as sent")
    async def edits(interaction: discord.Interaction, setting: Literal["on", "off"]) -> None:
        await bindings.answer(interaction, lambda _cap: options.edits(setting))

    @ADMIN
    @app_commands.command(description="Only admins may (un)subscribe here")
    async def lock(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, lambda _cap: Lock())

    @ADMIN
    @app_commands.command(description="Members may (un)subscribe here")
    async def unlock(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, lambda _cap: Unlock())

    @ADMIN
    @app_commands.command(
        description="Each story's last check, last update, next check and errors")
    async def status(interaction: discord.Interaction) -> None:
        await bindings.answer(interaction, lambda _cap: Status())

    return [mute, unmute, digest, timezone, edits, lock, unlock, status]


def _clipped(text: str) -> str:
    return text if len(text) <= CHOICE_CHARS else text[:CHOICE_CHARS - 1] + "…"

