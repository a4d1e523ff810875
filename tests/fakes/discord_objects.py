"""Discord JSON objects as the API sends them, shaped for discord.py 2.7 to parse.

Snowflakes are strings, as on the wire. The defaults describe one guild with
one text channel, the bot, and one human member.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

APP_ID = "1100000000000000001"
BOT_ID = APP_ID  # a bot user shares its application's id
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
USER_ID = "1400000000000000001"
MANAGE_CHANNELS = 1 << 4
EVERYONE_PERMISSIONS = 0x0000_0000_0006_4C00  # view, send, embed, read history, ...

_snowflakes = itertools.count(1500000000000000001)


def snowflake() -> str:
    """A fresh id, unique within the test run."""
    return str(next(_snowflakes))


def now_iso() -> str:
    """The current time as Discord writes timestamps."""
    return datetime.now(UTC).isoformat()


def user(user_id: str = USER_ID, name: str = "reader", bot: bool = False) -> dict[str, Any]:
    """A user object."""
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot, "public_flags": 0, "flags": 0}


def member(user_id: str = USER_ID, name: str = "reader", permissions: int | None = None,
           bot: bool = False) -> dict[str, Any]:
    """A guild member; `permissions` (in that channel) is set as interactions carry it."""
    data: dict[str, Any] = {"user": user(user_id, name, bot), "roles": [], "joined_at": now_iso(),
                            "deaf": False, "mute": False, "flags": 0, "nick": None}
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def text_channel(channel_id: str = CHANNEL_ID, guild_id: str = GUILD_ID,
                 name: str = "news") -> dict[str, Any]:
    """A guild text channel."""
    return {"id": channel_id, "type": 0, "guild_id": guild_id, "name": name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0}


def thread_channel(thread_id: str, parent_id: str = CHANNEL_ID, guild_id: str = GUILD_ID,
                   name: str = "live-thread") -> dict[str, Any]:
    """A public thread (type 11) under the text channel `parent_id`."""
    return {"id": thread_id, "type": 11, "guild_id": guild_id, "name": name,
            "parent_id": parent_id, "owner_id": USER_ID, "last_message_id": None,
            "rate_limit_per_user": 0, "message_count": 0, "member_count": 1, "flags": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                "archive_timestamp": now_iso(), "locked": False}}


def application() -> dict[str, Any]:
    """What `GET /oauth2/applications/@me` answers."""
    return {"id": APP_ID, "name": "storywatch", "icon": None, "description": "",
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
            "owner": user(USER_ID, "owner"), "flags": 0, "rpc_origins": [], "tags": [],
            "interactions_endpoint_url": None, "team": None}


def guild(channel_ids: tuple[str, ...], guild_id: str = GUILD_ID) -> dict[str, Any]:
    """A GUILD_CREATE payload: channels, the @everyone role, and the bot and one reader."""
    members = [member(BOT_ID, "storywatch", bot=True), member()]
    return {
        "id": guild_id, "name": "Newsroom", "icon": None, "splash": None, "owner_id": USER_ID,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "nsfw_level": 0,
        "system_channel_flags": 0, "preferred_locale": "en-US", "features": [], "emojis": [],
        "stickers": [], "roles": [{"id": guild_id, "name": "@everyone", "color": 0, "hoist": False,
                                   "position": 0, "permissions": str(EVERYONE_PERMISSIONS),
                                   "managed": False, "mentionable": False, "flags": 0}],
        "channels": [text_channel(c, guild_id, f"news-{i}") for i, c in enumerate(channel_ids)],
        "threads": [], "members": members, "member_count": len(members), "presences": [],
        "voice_states": [], "stage_instances": [], "guild_scheduled_events": [],
        "large": False, "unavailable": False, "joined_at": now_iso(),
        "premium_progress_bar_enabled": False,
    }


def message(channel_id: str, body: dict[str, Any], message_id: str | None = None,
            author: dict[str, Any] | None = None) -> dict[str, Any]:
    """The message Discord answers to a POST or PATCH with `body`."""
    return {
        "id": message_id or snowflake(), "channel_id": channel_id, "type": 0,
        "content": body.get("content") or "", "embeds": body.get("embeds") or [],
        "author": author or user(BOT_ID, "storywatch", bot=True), "attachments": [],
        "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False,
        "tts": False, "timestamp": now_iso(), "edited_timestamp": None,
        "flags": body.get("flags") or 0, "components": body.get("components") or [],
    }


def interaction(kind: int, name: str, options: list[dict[str, Any]], *,
                channel_id: str = CHANNEL_ID, guild_id: str | None = GUILD_ID,
                permissions: int = 0, user_id: str = USER_ID,
                parent_id: str | None = None,
                resolved: dict[str, Any] | None = None) -> dict[str, Any]:
    """An INTERACTION_CREATE payload: a slash command (kind 2) or autocomplete (kind 4).

    In a guild the caller is a `member` whose `permissions` in the channel are
    given; without `guild_id` it is a DM from `user`. With `parent_id` the
    channel is a thread under that channel. `resolved` is what Discord resolves options
    to (`{"attachments": {id: attachment}}` for a file option, type 11).
    """
    data: dict[str, Any] = {
        "id": snowflake(), "application_id": APP_ID, "type": kind, "token": f"tok-{snowflake()}",
        "version": 1, "locale": "en-US", "attachment_size_limit": 8 * 1024 * 1024,
        "app_permissions": str(EVERYONE_PERMISSIONS), "entitlements": [],
        "data": {"id": snowflake(), "name": name, "type": 1, "options": options},
        "channel_id": channel_id,
    }
    if resolved is not None:
        data["data"]["resolved"] = resolved
    if guild_id is None:
        data["user"] = user(user_id)
        data["channel"] = {"id": channel_id, "type": 1, "recipients": [user(user_id)]}
        data["context"] = 1
        data["authorizing_integration_owners"] = {"1": user_id}
    else:
        data["guild_id"] = guild_id
        data["guild_locale"] = "en-US"
        data["member"] = member(user_id, permissions=permissions)
        data["channel"] = (thread_channel(channel_id, parent_id, guild_id) if parent_id
                           else text_channel(channel_id, guild_id))
        data["context"] = 0
        data["authorizing_integration_owners"] = {"0": guild_id}
    return data


def component_interaction(message: dict[str, Any], custom_id: str, *,
                          channel_id: str = CHANNEL_ID, guild_id: str | None = GUILD_ID,
                          permissions: int = 0, user_id: str = USER_ID) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for a press (kind 3) of the button `custom_id` under the
    bot's `message`, by a member with `permissions` in the channel (or a DM's user)."""
    data = interaction(3, "", [], channel_id=channel_id, guild_id=guild_id,
                       permissions=permissions, user_id=user_id)
    data["data"] = {"custom_id": custom_id, "component_type": 2}
    data["message"] = message
    return data
