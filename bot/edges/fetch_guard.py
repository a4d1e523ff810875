"""The SSRF guard inside the HTTP client's connector: DNS answers without refused addresses.

The connector connects only to what `GuardedResolver` returns, so the address
checked is the address connected to: there is no second look-up for a
rebinding DNS to exploit.
"""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.core.errors import BlockedAddress
from bot.edges.netguard import BlockPolicy, is_blocked_address, literal_host_address, why_refused


class GuardedResolver(AbstractResolver):
    """A DNS resolver that drops the addresses `is_blocked` refuses.

    The connector connects only to what this returns, so the address checked is
    the address connected to (no second look-up for a rebinding DNS to exploit).
    """

    def __init__(self, inner: AbstractResolver, is_blocked: BlockPolicy = is_blocked_address):
        self._inner = inner
        self._is_blocked = is_blocked

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The inner resolver's answer without refused addresses.

        Raises BlockedAddress when every address is refused.
        """
        answers = await self._inner.resolve(host, port, family)
        allowed = [answer for answer in answers if not self._refused(answer["host"])]
        if not allowed:
            raise BlockedAddress(f"refused to connect to {host.rstrip('.')}: it resolves to "
                                 f"{self._reason([answer['host'] for answer in answers])}")
        return allowed

    @staticmethod
    def _reason(refused: list[str]) -> str:
        shown = sorted(set(refused))
        first = literal_host_address(shown[0])
        if len(shown) > 1 or first is None:
            return f"{', '.join(shown)}, private, local or reserved addresses"
        return why_refused(first)

    def _refused(self, address: str) -> bool:
        parsed = literal_host_address(address)
        return parsed is None or self._is_blocked(parsed)

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()
