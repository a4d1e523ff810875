"""The REST half of the fake Discord: the routes discord.py calls, and their rules."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import discord_objects as objects
from tests.fakes.discord_limits import message_errors
from tests.fakes.faults import GLOBAL_RATE_LIMITED, HANG, RATE_LIMITED, Faults

INTERACTION_DEADLINE = 3.0
NONCE_WINDOW = 300.0
"""How long Discord remembers an enforced nonce: "the past few minutes"."""
EPHEMERAL = 1 << 6
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 4, 5, 6, 7
BUCKET_SIZE, BUCKET_SECONDS = 5, 5.0
"""A channel's message bucket, as Discord's: 5 posts per 5 s."""


@dataclass(frozen=True, slots=True)
class Failure:
    """An error answer a test programs for a channel."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def missing_access(cls) -> Failure:
        """403 as for a channel the bot can no longer see."""
        return cls(403, {"code": 50001, "message": "Missing Access"})

    @classmethod
    def missing_permissions(cls) -> Failure:
        """403 as for a channel where the bot may not post."""
        return cls(403, {"code": 50013, "message": "Missing Permissions"})

    @classmethod
    def unknown_channel(cls) -> Failure:
        """404 as for a deleted channel."""
        return cls(404, {"code": 10003, "message": "Unknown Channel"})

    @classmethod
    def rate_limited(cls, retry_after: float, is_global: bool = False, via: bool = True) -> Failure:
        """429 as Discord sends it; without `via` discord.py takes it for a Cloudflare ban."""
        headers = {"Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Limit": "5",
                   "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(retry_after),
                   "X-RateLimit-Scope": "global" if is_global else "user"}
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        if via:
            headers["Via"] = "1.1 google"
        body = {"message": "You are being rate limited.", "retry_after": retry_after,
                "global": is_global, "code": 0}
        return cls(429, body, headers)

    @classmethod
    def server_error(cls, status: int = 500) -> Failure:
        """A 5xx; discord.py retries 500, 502, 504 and 524 itself (sleeping 1, 3, 5... s)."""
        return cls(status, {"code": 0, "message": f"{status}: Server Error"})


BAD_GATEWAY = Failure(502, {"code": 0, "message": "502: Bad Gateway"})


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None,
                  ) -> web.Response:
    """A JSON answer whose Content-Type is exactly `application/json`, as discord.py requires."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        content_type="application/json", headers=dict(headers or {}))


_BODY = web.RequestKey("fake_body", object)
_FILES = web.RequestKey("fake_files", list)


async def body_of(request: web.Request) -> Any:
    """A request's JSON body; for a multipart one (a message with files, as discord.py
    sends it), its `payload_json`, the files kept aside for `files_of`. Read once per
    request, so the recorder and the route see the same."""
    if _BODY not in request:
        files: list[tuple[str, bytes]] = []
        if request.content_type == "multipart/form-data":
            form = await request.post()
            body = json.loads(str(form["payload_json"]))
            files = [(part.filename, part.file.read()) for name, part in form.items()
                     if name.startswith("files[") and isinstance(part, web.FileField)]
        else:
            body = await request.json() if request.body_exists else None
        request[_BODY], request[_FILES] = body, files
    return request[_BODY]


def files_of(request: web.Request) -> list[tuple[str, bytes]]:
    """The files (name, bytes) a multipart request carried, after `body_of`."""
    return list(request.get(_FILES, []))


def _error(status: int, code: int, message: str) -> web.Response:
    return json_response({"code": code, "message": message}, status)


def _rate_headers(channel_id: str) -> dict[str, str]:
    # Remaining never reaches 0 so discord.py never pauses pre-emptively in tests.
    return {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset-After": "1.000", "X-RateLimit-Bucket": f"msg-{channel_id}"}


class Rest:
    """State and handlers of the REST routes; `clock` times interaction deadlines."""

    def __init__(self, token: str, channel_ids: set[str], clock: Callable[[], float],
                 interaction_deadline: float = INTERACTION_DEADLINE) -> None:
        self.token = token
        self.channel_ids = channel_ids
        self.clock = clock
        self.interaction_deadline = interaction_deadline
        self.messages: dict[str, dict[str, Any]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, str] = {}  # interaction id -> its answer's message id
        self.interactions: dict[str, tuple[float, dict[str, Any]]] = {}
        # Deferred answers still "thinking", by interaction id: the flags of the defer.
        self.loading: dict[str, int] = {}
        self.followups: dict[str, list[dict[str, Any]]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.sticky: dict[str, Failure] = {}
        # A soak's: seeded faults on message posts, every channel's bucket enforced (5 per
        # 5 s, as Discord's), and how many posts came past a full bucket.
        self.faults: Faults | None = None
        self.enforce_buckets = False
        self.past_bucket = 0
        self.accepted_at: dict[str, float] = {}
        self._buckets: dict[str, tuple[float, int]] = {}
        # Enforced nonces of the bot's messages: nonce -> (when, message id).
        self.nonces: dict[str, tuple[float, str]] = {}
        # Files of messages and files users uploaded, by attachment id: (name, bytes),
        # served at /attachments/{id}/{name} as Discord's CDN serves them.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.base_url = ""

    def add_routes(self, app: web.Application) -> None:
        """Mount the handlers under /api/v10."""
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self.me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self.application)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self.put_commands)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands",
                           self.put_commands)
        app.router.add_get(f"{api}/channels/{{channel}}", self.get_channel)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self.post_message)
        app.router.add_patch(f"{api}/channels/{{channel}}/messages/{{message}}",
                             self.patch_message)
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self.callback)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self.followup)
        app.router.add_patch(f"{api}/webhooks/{{app}}/{{token}}/messages/{{message}}",
                             self.edit_followup)
        app.router.add_delete(f"{api}/webhooks/{{app}}/{{token}}/messages/{{message}}",
                              self.delete_followup)
        app.router.add_get("/attachments/{id}/{name}", self.attachment_file)

    def attach(self, filename: str, data: bytes) -> dict[str, Any]:
        """Keep a file as an attachment; its object, as a message or a command's options
        carry it (the url serves the bytes)."""
        attachment_id = objects.snowflake()
        self.files[attachment_id] = (filename, data)
        url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
        return {"id": attachment_id, "filename": filename, "size": len(data), "url": url,
                "proxy_url": url, "content_type": "application/octet-stream"}

    async def attachment_file(self, request: web.Request) -> web.Response:
        """GET an attachment's bytes, as Discord's CDN serves them."""
        kept = self.files.get(request.match_info["id"])
        if kept is None or kept[0] != request.match_info["name"]:
            return web.Response(status=404)
        return web.Response(body=kept[1], content_type="application/octet-stream")

    def _with_files(self, created: dict[str, Any], request: web.Request) -> dict[str, Any]:
        """A created message with the request's files as its attachments."""
        return {**created, "attachments": [self.attach(name, data)
                                           for name, data in files_of(request)]}

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    def _channel_refusal(self, channel_id: str) -> web.Response | None:
        queue = self.failures.get(channel_id)
        failure = queue.pop(0) if queue else self.sticky.get(channel_id)
        if failure is not None:
            return json_response(failure.body, failure.status, failure.headers)
        if channel_id not in self.channel_ids:
            return _error(404, 10003, "Unknown Channel")
        return None

    async def me(self, request: web.Request) -> web.Response:
        """GET /users/@me: the bot user, or 401 for a wrong token (LoginFailure)."""
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        return json_response(objects.user(objects.BOT_ID, "storywatch", bot=True))

    async def application(self, request: web.Request) -> web.Response:
        """GET /oauth2/applications/@me."""
        return json_response(objects.application())

    async def put_commands(self, request: web.Request) -> web.Response:
        """PUT the command list: stored per guild (None: global) and echoed with ids."""
        guild = request.match_info.get("guild")
        echoed = [{**command, "id": objects.snowflake(), "application_id": objects.APP_ID,
                   "version": objects.snowflake(), "guild_id": guild}
                  for command in await request.json()]
        self.commands[guild] = echoed
        return json_response(echoed)

    async def get_channel(self, request: web.Request) -> web.Response:
        """GET /channels/{id}."""
        channel_id = request.match_info["channel"]
        return self._channel_refusal(channel_id) or json_response(objects.text_channel(channel_id))

    async def post_message(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/messages: checked against Discord's limits, then stored."""
        channel_id = request.match_info["channel"]
        refusal = await self._fault() or self._channel_refusal(channel_id)
        if refusal is not None:
            return refusal
        headers = _rate_headers(channel_id)
        if self.enforce_buckets:
            over, headers = self._take_from_bucket(channel_id)
            if over is not None:
                return over
        body = await body_of(request)
        errors = message_errors(body, has_files=bool(files_of(request)))
        if errors is not None:
            return json_response(errors, 400, headers)
        repeat = self._nonce_repeat(body)
        if repeat is not None:
            return json_response(repeat, 200, headers)
        created = {**self._with_files(objects.message(channel_id, body), request),
                   "nonce": body.get("nonce")}
        self.messages[created["id"]] = created
        self.accepted_at[created["id"]] = self.clock()
        if body.get("enforce_nonce") and body.get("nonce"):
            self.nonces[str(body["nonce"])] = (self.clock(), created["id"])
        return json_response(created, 200, headers)

    async def _fault(self) -> web.Response | None:
        """The soak's fault for this post, if any: drawn, or the outage."""
        faults = self.faults
        if faults is None:
            return None
        if faults.out(self.clock()):
            return json_response(BAD_GATEWAY.body, BAD_GATEWAY.status)
        fault = faults.draw()
        if fault in (RATE_LIMITED, GLOBAL_RATE_LIMITED):
            failure = Failure.rate_limited(faults.mix.retry_after,
                                           is_global=fault == GLOBAL_RATE_LIMITED)
            return json_response(failure.body, failure.status, failure.headers)
        if fault == HANG:
            await asyncio.sleep(faults.mix.hang_seconds)
        return None if fault is None else json_response(BAD_GATEWAY.body, BAD_GATEWAY.status)

    def _take_from_bucket(self, channel_id: str) -> tuple[web.Response | None, dict[str, str]]:
        """One post from the channel's bucket: a 429 when it is empty (a post past the
        bucket, counted), else the rate-limit headers of what is left."""
        now = self.clock()
        reset_at, used = self._buckets.get(channel_id, (0.0, 0))
        if now >= reset_at:
            reset_at, used = now + BUCKET_SECONDS, 0
        left = reset_at - now
        headers = {"X-RateLimit-Limit": str(BUCKET_SIZE),
                   "X-RateLimit-Remaining": str(max(0, BUCKET_SIZE - used - 1)),
                   "X-RateLimit-Reset-After": f"{left:.3f}",
                   "X-RateLimit-Bucket": f"msg-{channel_id}"}
        if used >= BUCKET_SIZE:
            self.past_bucket += 1
            failure = Failure.rate_limited(left)
            return json_response(failure.body, failure.status, failure.headers), headers
        self._buckets[channel_id] = (reset_at, used + 1)
        return None, headers

    def _nonce_repeat(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The message already made with this body's nonce, as Discord answers a repeat
        when `enforce_nonce` is set: another message by the same author (every message
        posted here is the bot's) with the same nonce in the past few minutes."""
        if not body.get("enforce_nonce") or not body.get("nonce"):
            return None
        made = self.nonces.get(str(body["nonce"]))
        if made is None or self.clock() - made[0] > NONCE_WINDOW:
            return None
        return self.messages.get(made[1])

    async def patch_message(self, request: web.Request) -> web.Response:
        """PATCH /channels/{id}/messages/{mid}: only the bot's messages in that channel."""
        channel_id, message_id = request.match_info["channel"], request.match_info["message"]
        refusal = self._channel_refusal(channel_id)
        if refusal is not None:
            return refusal
        old = self.messages.get(message_id)
        if old is None or old["channel_id"] != channel_id:
            return _error(404, 10008, "Unknown Message")
        body = {**old, **await request.json()}
        errors = message_errors(body)
        if errors is not None:
            return json_response(errors, 400, _rate_headers(channel_id))
        edited = {**objects.message(channel_id, body, message_id), "edited_timestamp":
                  objects.now_iso()}
        self.messages[message_id] = edited
        return json_response(edited, 200, _rate_headers(channel_id))

    async def callback(self, request: web.Request) -> web.Response:
        """POST /interactions/{id}/{token}/callback: once, within the deadline."""
        iid, token = request.match_info["id"], request.match_info["token"]
        sent = self.interactions.get(iid)
        if sent is None or sent[1]["token"] != token or (
                self.clock() - sent[0] > self.interaction_deadline):
            return _error(404, 10062, "Unknown interaction")
        if iid in self.callbacks:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = await body_of(request)
        data = body.get("data") or {}
        if body.get("type") in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and (
                "message" not in sent[1]):
            return _error(400, 50035, "Invalid Form Body: only a component's message updates")
        if body.get("type") == UPDATE_MESSAGE:
            data = {**sent[1]["message"], **data}
        if body.get("type") in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            errors = message_errors(data, has_files=bool(files_of(request)))
            if errors is not None:
                return json_response(errors, 400)
        self.callbacks[iid] = body
        if body.get("type") == UPDATE_MESSAGE:
            self._update(sent[1], body.get("data") or {})
        if body.get("type") == DEFERRED_CHANNEL_MESSAGE:
            self.loading[iid] = (body.get("data") or {}).get("flags") or 0
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return json_response(self._callback_answer(sent[1], body, request))

    def _callback_answer(self, interaction: dict[str, Any], body: dict[str, Any],
                         request: web.Request) -> dict:
        kind, data = body.get("type"), body.get("data") or {}
        answer: dict[str, Any] = {"id": interaction["id"], "type": interaction["type"],
                                  "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                                  "response_message_ephemeral": bool(
                                      (data.get("flags") or 0) & EPHEMERAL)}
        resource: dict[str, Any] = {"type": kind}
        if kind == UPDATE_MESSAGE:
            resource["message"] = self.messages[interaction["message"]["id"]]
        elif kind == CHANNEL_MESSAGE:
            created = self._with_files(objects.message(interaction["channel_id"], data), request)
            self.messages[created["id"]] = created
            self.answers[interaction["id"]] = created["id"]
            answer["response_message_id"] = created["id"]
            resource["message"] = created
        return {"interaction": answer, "resource": resource}

    def _update(self, interaction: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """The message a component sits on, edited as `body` says (UPDATE_MESSAGE, or a
        deferred update's edit of @original)."""
        old = self.messages.get(interaction["message"]["id"], interaction["message"])
        updated = {**objects.message(interaction["channel_id"], {**old, **body}, old["id"]),
                   "edited_timestamp": objects.now_iso()}
        self.messages[old["id"]] = updated
        return updated

    def _interaction_for(self, token: str) -> dict[str, Any] | None:
        return next((d for _, d in self.interactions.values() if d["token"] == token), None)

    async def followup(self, request: web.Request) -> web.Response:
        """POST /webhooks/{app}/{token}: a follow-up message to an interaction."""
        interaction = self._interaction_for(request.match_info["token"])
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        body = await body_of(request)
        errors = message_errors(body, has_files=bool(files_of(request)))
        if errors is not None:
            return json_response(errors, 400)
        loading = self.loading.pop(interaction["id"], None)
        if loading is not None:
            # Discord: the first follow-up of a deferred answer completes its "thinking"
            # message, which keeps the defer's visibility whatever the follow-up asks.
            flags = ((body.get("flags") or 0) & ~EPHEMERAL) | (loading & EPHEMERAL)
            body = {**body, "flags": flags}
        created = self._with_files(objects.message(
            interaction["channel_id"], body, interaction["id"] if loading is not None else None),
            request)
        self.messages[created["id"]] = created
        self.followups.setdefault(interaction["id"], []).append(created)
        return json_response(created)

    async def delete_followup(self, request: web.Request) -> web.Response:
        """DELETE /webhooks/{app}/{token}/messages/{@original|id}: delete an answer."""
        interaction = self._interaction_for(request.match_info["token"])
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        message_id = request.match_info["message"]
        if message_id == "@original":
            message_id = interaction["id"]
            if self.loading.pop(message_id, None) is not None:
                return web.Response(status=204)  # the "thinking" message is gone
        if self.messages.pop(message_id, None) is None:
            return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)

    async def edit_followup(self, request: web.Request) -> web.Response:
        """PATCH /webhooks/{app}/{token}/messages/{@original|id}: edit the answer."""
        interaction = self._interaction_for(request.match_info["token"])
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        body = await request.json()
        errors = message_errors(body)
        if errors is not None:
            return json_response(errors, 400)
        message_id = request.match_info["message"]
        if message_id == "@original" and "message" in interaction:
            return json_response(self._update(interaction, body))  # the pressed message
        if message_id == "@original":
            # The fake gives a deferred answer the interaction's id as its message id.
            message_id = interaction["id"]
        return json_response(objects.message(interaction["channel_id"], body, message_id))
