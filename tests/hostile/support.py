"""Fetch limits and scripted DNS for the hostile tests: fakes at the network boundary only."""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.edges.config import FetchConfig


def fetch_config(**overrides: object) -> FetchConfig:
    """The fetch limits under test: small, so that refusals are quick."""
    values: dict[str, object] = {"connect_timeout": 2.0, "total_timeout": 5.0,
                                 "max_bytes": 64 * 1024}
    values.update(overrides)
    return FetchConfig.model_validate(values)


class ScriptedDns(AbstractResolver):
    """DNS whose answers a test scripts: each name has a list of answers, used in turn
    (the last one repeats), so a name can rebind between look-ups."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self._answers = answers
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        """The next scripted answer for `host`."""
        name = host.rstrip(".")
        script = self._answers.get(name)
        if not script:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        addresses = script[min(self.asked.count(name), len(script) - 1)]
        self.asked.append(name)
        return [ResolveResult(hostname=host, host=address, port=port, proto=0,
                              flags=socket.AI_NUMERICHOST,
                              family=socket.AF_INET6 if ":" in address else socket.AF_INET)
                for address in addresses]

    async def close(self) -> None:
        """Nothing to release."""
