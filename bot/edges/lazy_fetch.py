"""A fetcher that opens its HTTP client at the first fetch.

`storywatch run --once` with nothing due, run from cron every minute, should not
pay for importing aiohttp and opening a session it never uses.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING

from bot.core.model import Fetched, Validators
from bot.edges.config import FetchConfig

if TYPE_CHECKING:
    from bot.edges.fetch import HttpFetcher


class LazyFetcher:
    """Satisfies `bot.core.ports.Fetcher`: an `HttpFetcher` made on first use, closed with
    the `async with` block."""

    def __init__(self, config: FetchConfig) -> None:
        self._config = config
        self._stack = AsyncExitStack()
        self._fetcher: HttpFetcher | None = None
        self._opening = asyncio.Lock()

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        """What `HttpFetcher.fetch` returns (and raises)."""
        return await (await self._opened()).fetch(url, validators)

    async def _opened(self) -> HttpFetcher:
        if self._fetcher is not None:
            return self._fetcher
        async with self._opening:
            if self._fetcher is None:
                from bot.edges.fetch import HttpFetcher

                self._fetcher = await self._stack.enter_async_context(HttpFetcher(self._config))
            return self._fetcher

    async def __aenter__(self) -> LazyFetcher:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self._stack.aclose()
