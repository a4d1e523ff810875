"""The terminal as a chat: `messenger` prints alerts, `bindings` reads commands
from standard input. No client library, no config section; the app starts it
when no other platform is enabled.
"""

from __future__ import annotations

from bot.core.ports import Messenger
from bot.platforms.plugin import Launch, Platform


class EndOfInput(Exception):
    """The console's input ended: `run` stops, its pending work left in the database."""


async def start(launch: Launch) -> Messenger:
    """Print alerts on the output and serve the commands typed on the input; the end of
    the input (EndOfInput) ends `run`."""
    from bot.platforms.console.messenger import ConsoleMessenger

    async def commands() -> None:
        # Imported here: `run --once` starts the console but serves no commands, and the
        # command layer is the larger part of what a start-up would load.
        from bot.platforms.console.bindings import serve_console

        await serve_console(launch.layer(), launch.stdin, launch.out)

    launch.serve(commands)
    return ConsoleMessenger(launch.out)


PLATFORM = Platform("console", start)
