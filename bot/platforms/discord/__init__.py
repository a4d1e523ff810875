"""Discord through discord.py: `messenger` sends (REST, error mapping) and runs
the gateway client; `bindings` and `replies` turn slash commands into calls on
the command layer and its replies into interaction responses; `config` is its
[discord] section. May import `discord`, never `telegram`; this `__init__`
imports neither, so start-up stays fast where Discord is not started.

Discord gets no pacing of ours: discord.py follows the buckets its response
headers announce.
"""

from __future__ import annotations

from bot.core.ports import Messenger
from bot.platforms.discord.config import DiscordConfig
from bot.platforms.plugin import Launch, Platform, token_hash, token_set


async def start(launch: Launch) -> Messenger:
    """Connect the client (gateway ready, slash commands synced) serving the command layer."""
    from bot.platforms.discord import bindings
    from bot.platforms.discord import messenger as app

    config: DiscordConfig = launch.section
    client = app.build_client(config)
    bindings.install(client, launch.layer())
    await launch.stack.enter_async_context(app.running(client, config))
    return app.DiscordMessenger(client)


PLATFORM = Platform("discord", start, DiscordConfig, token_set, token_hash)
