"""The console as a chat: commands from standard input, replies on standard output
(docs/BEHAVIOUR.md, Command line).

Whoever types at the console owns the bot: the console chat is private and
its user is its admin.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import TextIO

from bot.core.model import ChatRef
from bot.platforms.console import EndOfInput
from handlers.commands import Caller, CommandLayer, Reply

CONSOLE_CHAT = ChatRef("console", "console")
NOT_A_COMMAND = "Commands start with a slash; /help lists them."
BANNER = ("storywatch console chat: type /help for the commands, /subscribe URL to follow a"
          " story; Ctrl-D (end of input) or Ctrl-C quits.")


async def _always() -> bool:
    return True


CONSOLE_CALLER = Caller(CONSOLE_CHAT, "console", "console", _always, limited=False)


async def serve_console(layer: CommandLayer, stdin: TextIO, out: TextIO) -> None:
    """Print what to type and how to quit, then carry out each line of `stdin` as a command
    and print the reply; raise EndOfInput at the end of input."""
    out.write(f"{BANNER}\n\n")
    out.flush()
    async for line in _lines(stdin):
        text = line.strip()
        if not text:
            continue
        reply = await layer.run_text(CONSOLE_CALLER, text)
        out.write(f"{shown(reply) if reply else NOT_A_COMMAND}\n\n")
        out.flush()
    raise EndOfInput


def shown(reply: Reply) -> str:
    """A reply as the console prints it: a file (an /export's OPML) is text, printed after
    its caption."""
    if reply.attachment is None:
        return reply.text
    return f"{reply.text}\n{reply.attachment.data.decode('utf-8', errors='replace')}"


async def _lines(stdin: TextIO) -> AsyncIterator[str]:
    """Lines of `stdin`, read on a daemon thread: a blocked read must not hold up shutdown."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except RuntimeError:
            return  # the loop closed while this thread waited for input

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line
