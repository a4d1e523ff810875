"""A fake Discord on one loopback port: REST under /api/v10 and the gateway at /gateway.

It records every REST call and enforces what Discord enforces: embed and
content limits (400, code 50035), the 3-second deadline of an interaction
(404, code 10062), unknown channels and messages, and failures a test programs
per channel (403, 404, 429 with `Via` so discord.py retries, 5xx). Message
routes carry rate-limit headers, as discord.py reads them.

    async with FakeDiscord() as fake:
        config = DiscordConfig(token=fake.token, api_base=fake.api_base,
                               gateway_url=fake.gateway_url)
        ...
        call = await fake.wait_for(lambda c: c.method == "POST")

The pieces: `discord_rest` (routes and their rules), `discord_gateway`
(WebSocket protocol), `discord_objects` (JSON objects), `discord_limits`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes import discord_objects as objects
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_rest import (
    INTERACTION_DEADLINE,
    Failure,
    Rest,
    body_of,
    json_response,
)

__all__ = ["Call", "Failure", "FakeDiscord"]


@dataclass(frozen=True, slots=True)
class Call:
    """One REST request as the fake received it and the status it answered.

    `path` is relative to /api/v10; `at` is the fake's clock when the answer was made.
    """

    method: str
    path: str
    query: Mapping[str, str]
    json: Any
    headers: Mapping[str, str]
    status: int
    at: float = 0.0


class FakeDiscord:
    """Discord's REST API and gateway for one bot in one guild, on 127.0.0.1.

    `clock` (default: the loop's) times interaction deadlines, so a test can
    move time on instead of sleeping.
    """

    def __init__(self, *, token: str = "fake-bot-token",
                 channel_ids: tuple[str, ...] = (objects.CHANNEL_ID,),
                 interaction_deadline: float = INTERACTION_DEADLINE,
                 clock: Callable[[], float] | None = None) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.arrivals: list[float] = []  # when each REST request came in, by the fake's clock
        self._clock = clock
        self.rest = Rest(token, set(channel_ids), self.now, interaction_deadline)
        self.gateway = Gateway(lambda: self.gateway_url, self._guild)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        """The REST base to give discord.py (`Route.BASE`)."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The gateway URL to give discord.py (`DiscordWebSocket.DEFAULT_GATEWAY`)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def messages(self) -> dict[str, dict[str, Any]]:
        """Messages the bot has posted, by id, as last edited."""
        return self.rest.messages

    @property
    def commands(self) -> dict[str | None, list[dict[str, Any]]]:
        """Registered commands by guild id (None: global), as last synced."""
        return self.rest.commands

    @property
    def followups(self) -> dict[str, list[dict[str, Any]]]:
        """Follow-up messages by interaction id, as created (the first may complete a defer)."""
        return self.rest.followups

    @property
    def answers(self) -> dict[str, str]:
        """The id of the message each interaction was answered with (callback type 4)."""
        return self.rest.answers

    @property
    def callbacks(self) -> dict[str, dict[str, Any]]:
        """Interaction callback bodies by interaction id."""
        return self.rest.callbacks

    def now(self) -> float:
        """The fake's clock: the test's, or the running loop's."""
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _guild(self) -> dict[str, Any]:
        return objects.guild(tuple(sorted(self.rest.channel_ids)))

    def fail(self, channel_id: str, failure: Failure, times: int | None = 1) -> None:
        """Answer the channel's next `times` requests with `failure` (None: until `heal`)."""
        if times is None:
            self.rest.sticky[channel_id] = failure
        else:
            self.rest.failures.setdefault(channel_id, []).extend([failure] * times)

    def heal(self, channel_id: str) -> None:
        """Stop failing the channel's requests."""
        self.rest.sticky.pop(channel_id, None)
        self.rest.failures.pop(channel_id, None)

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The calls made with `method` to exactly `path` (relative to /api/v10)."""
        return [c for c in self.calls if c.method == method and c.path == path]

    # The timeout is part of these helpers on purpose: every wait in a test is bounded
    # by default, and the brief's API is wait_for(predicate, timeout).
    async def wait_until(self, condition: Callable[[], bool],
                         timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once `condition()` holds, re-checked after every REST call and gateway frame.

        Raises TimeoutError after `timeout` seconds.
        """
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                self.gateway.changed.clear()
                waiters = [asyncio.ensure_future(self._changed.wait()),
                           asyncio.ensure_future(self.gateway.changed.wait())]
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()

    async def wait_for(self, predicate: Callable[[Call], bool],
                       timeout: float = 5.0) -> Call:  # noqa: ASYNC109
        """The first recorded call matching `predicate`, waiting up to `timeout` seconds."""
        await self.wait_until(lambda: any(predicate(c) for c in self.calls), timeout)
        return next(c for c in self.calls if predicate(c))

    async def send_interaction(self, data: dict[str, Any]) -> dict[str, Any]:
        """Dispatch INTERACTION_CREATE with `data`; its answer deadline starts now."""
        self.rest.interactions[data["id"]] = (self.now(), data)
        await self.gateway.dispatch("INTERACTION_CREATE", data)
        return data

    async def send_command(self, name: str, options: list[dict[str, Any]] | None = None,
                           **where: Any) -> dict[str, Any]:
        """A slash command (type 2). `where`: channel_id, guild_id (None: a DM), permissions."""
        return await self.send_interaction(objects.interaction(2, name, options or [], **where))

    async def press(self, message_id: str, custom_id: str, **where: Any) -> dict[str, Any]:
        """A press (type 3) of the button `custom_id` under the bot's message `message_id`.
        `where`: channel_id, guild_id (None: a DM), permissions, user_id."""
        message = self.messages[message_id]
        return await self.send_interaction(
            objects.component_interaction(message, custom_id, **where))

    def upload(self, filename: str, data: bytes) -> dict[str, Any]:
        """A file a user attaches to a command: its attachment object, for a type 11
        option's `resolved` data, its bytes served as Discord's CDN would."""
        return self.rest.attach(filename, data)

    def file_of(self, attachment: dict[str, Any]) -> bytes:
        """The bytes of an attachment of a message the bot sent."""
        return self.rest.files[attachment["id"]][1]

    async def send_autocomplete(self, name: str, options: list[dict[str, Any]],
                                **where: Any) -> dict[str, Any]:
        """An autocomplete request (type 4); mark the option being typed `"focused": True`."""
        return await self.send_interaction(objects.interaction(4, name, options, **where))

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._record])
        self.rest.add_routes(app)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.rest.base_url = f"http://127.0.0.1:{self.port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Close gateway connections and stop serving (a test may do this to cut Discord off)."""
        await self.gateway.drop(code=1000)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _record(self, request: web.Request,
                      handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if not request.path.startswith("/api/v10/"):
            return await handler(request)
        self.arrivals.append(self.now())
        body = await body_of(request)
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = json_response({"code": 0, "message": "404: Not Found"}, 404)
        self.calls.append(Call(request.method, request.path.removeprefix("/api/v10"),
                               dict(request.query), body, dict(request.headers), response.status,
                               self.now()))
        self._changed.set()
        return response
