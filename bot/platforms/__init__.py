"""The chat platforms, one folder each (docs/ARCHITECTURE.md says what a folder holds).

A platform may import the core, the edges, the command layer in `handlers/` and
its own client library; never storage, another platform or the app. Its
`__init__` defines `PLATFORM` (a `plugin.Platform`) and imports no client
library. `CHAT_PLATFORMS` are those a config section enables; the console is the
chat when none is.
"""

from __future__ import annotations

from bot.platforms import console, discord, telegram
from bot.platforms.plugin import Platform

CHAT_PLATFORMS: tuple[Platform, ...] = (telegram.PLATFORM, discord.PLATFORM)
CONSOLE: Platform = console.PLATFORM
