"""Discord slash commands, bound thinly to the command layer (docs/BEHAVIOUR.md, Chat commands).

The command tree is made from the command registry (`handlers.registry`): one
slash command per spec, its options (or its subcommands, as a group) from the
spec's. Each builds a command value from its options and hands it, with the
caller's facts, to `CommandLayer.run`; the reply is the interaction's answer
(`replies`), ephemeral when it concerns only the caller, and never pings anyone.

    client = build_client(config.discord)
    install(client, layer)
    async with running(client, config.discord):  # syncs the commands
        ...

A chat is the channel the command was used in. A Discord thread is a channel
with its own id, so it is a chat of its own (docs/BEHAVIOUR.md, Words): ChatRef(chat_id=the
thread's id). In a DM the user is the admin; in a guild, a member with Manage
Channels in that channel. Admin commands also declare Manage Channels as their
default member permission, so Discord hides them from other members; the
check at run time stays, because a server may override that default.

Discord voids an interaction not answered within 3 seconds: a slow command
(/subscribe, which fetches the page) defers at once; other commands answer directly when storage
replies within PATIENCE seconds and defer otherwise.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal

import aiohttp
import discord
from discord import app_commands

from bot.core.errors import BadArgument
from bot.core.model import ChatRef
from bot.platforms.discord import replies
from bot.platforms.discord.messenger import StorywatchClient
from bot.platforms.discord.presses import DiscordPresses
from handlers.caller import Upload
from handlers.command_values import Command
from handlers.commands import Caller, CommandLayer
from handlers.registry import CommandSpec, Option, Subcommand, specs_for

_log = logging.getLogger(__name__)

PLATFORM = "discord"

# Seconds a command may take before it is deferred: well inside Discord's 3 s,
# which also covers the gateway's delivery of the interaction.
PATIENCE = 1.0
CHOICE_CHARS = 100  # characters in a choice's name and value
FAILED = "Something went wrong with that command; please try again in a moment."
ADMIN = app_commands.default_permissions(manage_channels=True)

Number = app_commands.Range[int, 1, 1_000_000]
Callback = Callable[..., Coroutine[Any, Any, None]]


def install(client: StorywatchClient, layer: CommandLayer) -> None:
    """Add a slash command for each command spec, and their error handler, to `client.tree`;
    presses of the buttons under /list to the client.

    Call before `running(client, ...)`, which syncs the tree with Discord.
    """
    bindings = _Bindings(layer)
    for spec in specs_for(PLATFORM):
        client.tree.add_command(_slash(bindings, spec))
    client.tree.error(bindings.on_error)
    # The buttons under /list: component interactions, which the tree does not take.
    client.event(DiscordPresses(layer, caller_of).on_interaction)


def chat_of(interaction: discord.Interaction) -> ChatRef:
    """The chat an interaction came from: its channel, thread or DM."""
    return ChatRef(PLATFORM, str(interaction.channel_id))


def caller_of(interaction: discord.Interaction, upload: Upload | None = None) -> Caller:
    """The caller's facts: where, what kind of chat, who, whether they administer it, and
    the file they sent with the command."""
    in_dm = interaction.guild_id is None

    async def is_admin() -> bool:
        if in_dm:
            return True
        # The member's resolved permissions in this channel, overwrites included.
        allowed = interaction.permissions
        return allowed.manage_channels or allowed.administrator

    return Caller(chat_of(interaction), "dm" if in_dm else "guild", str(interaction.user.id),
                  is_admin, upload=upload)


def upload_of(attachment: discord.Attachment) -> Upload:
    """An attachment option as the command layer's upload: its stated size first, read
    from Discord's CDN only when the use case asks."""
    async def read(_limit: int) -> bytes:
        # The stated size was checked against the limit before this read.
        try:
            return await attachment.read()
        except (discord.HTTPException, aiohttp.ClientError) as error:
            raise BadArgument(f"could not read {attachment.filename} from Discord "
                              f"({type(error).__name__}); please send it again") from None

    return Upload(attachment.filename, attachment.size, read)


class _Bindings:
    """Runs commands for interactions and answers them within Discord's deadline."""

    def __init__(self, layer: CommandLayer) -> None:
        self._layer = layer

    async def answer(self, interaction: discord.Interaction, spec: CommandSpec,
                     build: Callable[[int], Command], upload: Upload | None = None) -> None:
        """Build the command from the options (given the argument cap), run it (with the
        file sent, if any), and answer.

        A bad option value (BadArgument) is answered privately with its reason. A
        throttled caller's command is not answered: Discord tells them it failed.
        """
        caller = caller_of(interaction, upload)
        try:
            command = build(self._layer.argument_chars)
        except BadArgument as error:
            refusal = self._layer.refuse(caller, error)
            if refusal is not None:
                await replies.send(interaction, refusal)
            return
        task = asyncio.ensure_future(self._layer.run(caller, command))
        if await replies.finished_within(task, 0.0 if spec.slow else PATIENCE):
            if (reply := task.result()) is not None:
                await replies.send(interaction, reply)
            return
        # The layer answers these privately whatever happens, so they defer privately.
        deferred_private = spec.is_private(command)
        await interaction.response.defer(ephemeral=deferred_private, thinking=True)
        reply = await task
        if reply is None or (reply.private and not deferred_private):
            # The first follow-up takes the deferral's visibility: a reason meant
            # for the caller alone must not replace a public "thinking…".
            await interaction.delete_original_response()
        if reply is None:
            return
        await replies.follow_up(interaction, reply)

    async def choices(self, interaction: discord.Interaction, option: Option, current: str
                      ) -> list[app_commands.Choice[str]]:
        """What the command layer offers while `option` is typed here."""
        offered = await self._layer.choices(chat_of(interaction), option, current)
        return [app_commands.Choice(name=_clipped(label), value=value)
                for label, value in offered]

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


def _slash(bindings: _Bindings, spec: CommandSpec) -> app_commands.Command | app_commands.Group:
    """The spec's slash command, or its group of subcommands. Admin-only commands declare
    Manage Channels as their default permission; a group cannot, as its readers (/filter
    list) are for every member and Discord sets defaults per top-level command."""
    if spec.subcommands:
        group = app_commands.Group(name=spec.name, description=_described(spec.menu))
        for sub in spec.subcommands:
            group.add_command(_command(bindings, spec, sub.name, sub.description, sub.options,
                                       sub))
        return group
    command = _command(bindings, spec, spec.name, spec.menu, spec.options, None)
    return ADMIN(command) if spec.access == "admins" else command


def _command(bindings: _Bindings, spec: CommandSpec, name: str, description: str,
             options: tuple[Option, ...], sub: Subcommand | None) -> app_commands.Command:
    """A slash command whose parameters are `options`, answered through the layer."""
    async def callback(interaction: discord.Interaction, **given: Any) -> None:
        # A file option is the caller's upload, not text for the parser.
        files = [value for value in given.values() if isinstance(value, discord.Attachment)]
        given = {name: value for name, value in given.items()
                 if not isinstance(value, discord.Attachment)}

        def build(max_chars: int) -> Command:
            return (sub.build(given, max_chars) if sub is not None
                    else spec.from_options(given, max_chars))

        await bindings.answer(interaction, spec, build, upload_of(files[0]) if files else None)

    _declare(callback, options)
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name, description=_described(description), callback=callback)
    for option in options:
        if option.complete is not None:
            command.autocomplete(option.name)(_completer(bindings, option))
    return command


def _declare(callback: Callback, options: tuple[Option, ...]) -> None:
    """Give `callback` the signature discord.py reads a command's options from."""
    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
    for option in options:
        annotation: Any = {"text": str, "number": Number, "file": discord.Attachment,
                           "choice": Literal[option.choices]}[option.kind]  # type: ignore[valid-type]
        parameters.append(inspect.Parameter(
            option.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=annotation if option.required else annotation | None,
            default=inspect.Parameter.empty if option.required else None))
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        option.name: option.description for option in options}


def _completer(bindings: _Bindings, option: Option) -> Callable[
        [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def complete(interaction: discord.Interaction, current: str
                       ) -> list[app_commands.Choice[str]]:
        return await bindings.choices(interaction, option, current)

    return complete


def _described(text: str) -> str:
    """A description within Discord's 100 characters."""
    return _clipped(text)


def _clipped(text: str) -> str:
    return text if len(text) <= CHOICE_CHARS else text[:CHOICE_CHARS - 1] + "…"

