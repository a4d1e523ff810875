"""`storywatch run` with the console as its chat, driven through its standard streams."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from tests.app.cli.runner import start


class ConsoleBot:
    """A running `storywatch run` process: type commands, wait for what it prints."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""
        self.errors = ""
        self._seen = 0
        self._changed = asyncio.Condition()
        self._readers = (asyncio.create_task(self._read()), asyncio.create_task(self._read_errors()))

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(4096):
            async with self._changed:
                self.output += chunk.decode()
                self._changed.notify_all()

    async def _read_errors(self) -> None:
        # Drained as it comes: a full pipe would block the bot mid-write.
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self.errors += chunk.decode()

    async def type(self, line: str) -> None:
        """Type one line at the console."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def expect(self, text: str, within: float = 10) -> str:
        """Wait until `text` is printed after what earlier expectations consumed.

        Returns everything printed from there up to and including `text`.
        """
        async def found() -> int:
            async with self._changed:
                await self._changed.wait_for(lambda: text in self.output[self._seen:])
                return self.output.index(text, self._seen) + len(text)
        try:
            end = await asyncio.wait_for(found(), within)
        except TimeoutError:
            raise AssertionError(f"{text!r} not printed; after the last match came:\n"
                                 f"{self.output[self._seen:]}\nstderr:\n{self.errors}") from None
        printed, self._seen = self.output[self._seen:end], end
        return printed

    async def command(self, line: str, reply: str, within: float = 10) -> str:
        """Type a command and wait for a reply containing `reply`; returns it whole."""
        await self.type(line)
        printed = await self.expect(reply, within)
        return printed + await self.expect("\n\n", within)

    def printed_since(self) -> str:
        """What was printed after the last expectation, so far."""
        return self.output[self._seen:]

    async def stop(self) -> int:
        """SIGTERM, then the exit status."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(self.process.wait(), 15)
        await asyncio.gather(*self._readers)
        return status


@asynccontextmanager
async def console_bot(env: Mapping[str, str]) -> AsyncIterator[ConsoleBot]:
    """`storywatch run` with no token, past its opening line; stopped (and its exit status
    checked) at the end."""
    bot = ConsoleBot(await start("run", env=env))
    try:
        await bot.expect("quits.\n\n")
        yield bot
    finally:
        status = await bot.stop()
        assert status == 0, f"storywatch run exited {status}"
