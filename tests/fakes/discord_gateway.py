"""The fake Discord gateway: one WebSocket endpoint speaking the JSON protocol.

HELLO on connect; every heartbeat (op 1) is ACKed (op 11), or discord.py
reconnects; IDENTIFY (op 2) is answered with READY then GUILD_CREATE; RESUME
(op 6) with RESUMED. Frames are plain text: discord.py decompresses binary
frames only, so no zlib stream is needed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_objects as objects

HELLO, HEARTBEAT, IDENTIFY, RESUME, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 11, 0


@dataclass
class Session:
    """One open gateway connection and its dispatch sequence."""

    ws: web.WebSocketResponse
    seq: int = 0
    identified: bool = False
    session_id: str = field(default_factory=objects.snowflake)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one dispatch (op 0) with the next sequence number."""
        self.seq += 1
        await self.ws.send_str(json.dumps({"op": DISPATCH, "t": event, "s": self.seq, "d": data}))


class Gateway:
    """Accepts discord.py's gateway connections and records what clients send."""

    def __init__(self, url: Callable[[], str], guild: Callable[[], dict[str, Any]],
                 heartbeat_ms: int = 41250) -> None:
        self._url = url
        self._guild = guild
        self.heartbeat_ms = heartbeat_ms
        self.sessions: list[Session] = []
        self.received: list[dict[str, Any]] = []
        self.changed = asyncio.Event()

    def ops(self, op: int) -> list[dict[str, Any]]:
        """Every payload with opcode `op` received so far."""
        return [p for p in self.received if p.get("op") == op]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one client connection until it closes."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = Session(ws)
        self.sessions.append(session)
        await ws.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_ms},
                                      "s": None, "t": None}))
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            self.received.append(payload)
            self.changed.set()
            await self._answer(session, payload)
        self.sessions.remove(session)
        return ws

    async def _answer(self, session: Session, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        if op == HEARTBEAT:
            await session.ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None}))
        elif op == IDENTIFY:
            await self._ready(session)
        elif op == RESUME:
            session.identified = True
            session.seq = int(payload["d"].get("seq") or 0)
            await session.dispatch("RESUMED", {})

    async def _ready(self, session: Session) -> None:
        guild = self._guild()
        await session.dispatch("READY", {
            "v": 10, "user": objects.user(objects.BOT_ID, "storywatch", bot=True),
            "guilds": [{"id": guild["id"], "unavailable": True}],
            "session_id": session.session_id, "resume_gateway_url": self._url(),
            "application": {"id": objects.APP_ID, "flags": 0},
            "private_channels": [], "relationships": [], "user_settings": {},
        })
        await session.dispatch("GUILD_CREATE", guild)
        session.identified = True

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send `event` to every identified session (normally the one client)."""
        live = [s for s in self.sessions if s.identified]
        if not live:
            raise RuntimeError(f"no identified gateway session to send {event} to")
        for session in live:
            await session.dispatch(event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close every connection as a gateway restart would; the client resumes."""
        for session in list(self.sessions):
            await session.ws.close(code=code)
