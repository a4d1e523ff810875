"""Updates for the fake Telegram server, built from python-telegram-bot's own classes.

Building them with the library (`Message(...).to_dict()`) keeps them valid for the
library that parses them. Each function returns the update as a dict without its
`update_id`; `TelegramApiServer.inject` numbers it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberUpdated,
    Document,
    Message,
    MessageEntity,
    Update,
    User,
)

ANONYMOUS_ADMIN = User(id=1087968824, first_name="Group", is_bot=True, username="GroupAnonymousBot")
_EPOCH = datetime(2024, 2, 3, 14, 52, tzinfo=UTC)
_message_ids = iter(range(1, 1_000_000))


def user(user_id: int, name: str = "Ann") -> User:
    """A human user."""
    return User(id=user_id, first_name=name, is_bot=False)


def command_update(
    chat: Chat,
    text: str,
    sender: User | None = None,
    sender_chat: Chat | None = None,
    thread_id: int | None = None,
) -> dict[str, Any]:
    """A message carrying `text`, with a bot_command entity when it starts with '/'.

    A channel chat makes it a channel post (no sender, the channel as sender_chat).
    """
    command = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    entities = (MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command)),) if command else ()
    is_channel = chat.type == Chat.CHANNEL
    message = Message(
        message_id=next(_message_ids),
        date=_EPOCH,
        chat=chat,
        from_user=None if is_channel else sender,
        sender_chat=chat if is_channel else sender_chat,
        text=text,
        entities=entities,
        message_thread_id=thread_id,
        is_topic_message=True if thread_id is not None else None,
    )
    field = "channel_post" if is_channel else "message"
    return {field: message.to_dict()}


def document_message(chat: Chat, document: Document, caption: str | None = None,
                     sender: User | None = None) -> Message:
    """A file sent to `chat`, captioned `caption` (with a bot_command entity when it starts
    with '/', as Telegram marks a command in a caption)."""
    command = caption.split(maxsplit=1)[0] if caption and caption.startswith("/") else ""
    entities = (MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command)),) if command else ()
    return Message(message_id=next(_message_ids), date=_EPOCH, chat=chat, from_user=sender,
                   document=document, caption=caption, caption_entities=entities)


def document_update(chat_id: int, user_id: int, document: Document,
                    caption: str | None = None) -> dict[str, Any]:
    """A user's file with `caption` in a group (negative id) or their private chat."""
    return {"message": document_message(_chat(chat_id), document, caption,
                                        user(user_id)).to_dict()}


def reply_command(chat_id: int, user_id: int, text: str, to: Message) -> dict[str, Any]:
    """The command `text` sent by a user in answer to the message `to`."""
    command = text.split(maxsplit=1)[0]
    message = Message(message_id=next(_message_ids), date=_EPOCH, chat=_chat(chat_id),
                      from_user=user(user_id), text=text, reply_to_message=to,
                      entities=(MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command)),))
    return {"message": message.to_dict()}


def _chat(chat_id: int) -> Chat:
    if chat_id > 0:
        return Chat(id=chat_id, type=Chat.PRIVATE)
    return Chat(id=chat_id, type=Chat.SUPERGROUP, title="News room")


def private_command(user_id: int, text: str) -> dict[str, Any]:
    """`text` sent by a user to the bot in their private chat."""
    return command_update(Chat(id=user_id, type=Chat.PRIVATE), text, sender=user(user_id))


def group_command(chat_id: int, user_id: int, text: str, kind: str = Chat.SUPERGROUP) -> dict:
    """`text` sent by a user in a group or supergroup (their rights come from getChatMember)."""
    chat = Chat(id=chat_id, type=kind, title="News room")
    return command_update(chat, text, sender=user(user_id))


def anonymous_admin_command(chat_id: int, text: str) -> dict[str, Any]:
    """`text` sent by an anonymous admin: from GroupAnonymousBot on behalf of the group."""
    chat = Chat(id=chat_id, type=Chat.SUPERGROUP, title="News room")
    return command_update(chat, text, sender=ANONYMOUS_ADMIN, sender_chat=chat)


def channel_post(chat_id: int, text: str) -> dict[str, Any]:
    """`text` posted in a channel (commands in channels arrive as channel posts)."""
    return command_update(Chat(id=chat_id, type=Chat.CHANNEL, title="Wire"), text)


def topic_command(chat_id: int, thread_id: int, user_id: int, text: str) -> dict[str, Any]:
    """`text` sent by a user in one topic of a forum supergroup."""
    chat = Chat(id=chat_id, type=Chat.SUPERGROUP, title="Desk", is_forum=True)
    return command_update(chat, text, sender=user(user_id), thread_id=thread_id)


def callback_query(query_id: str, message: dict[str, Any], user_id: int, data: str
                   ) -> dict[str, Any]:
    """A press by `user_id` of the inline button carrying `data` under the bot's `message` (as
    the fake stored it)."""
    query = CallbackQuery(id=query_id, from_user=user(user_id), chat_instance="chat-instance",
                          data=data)
    return {Update.CALLBACK_QUERY: {**query.to_dict(), "message": message}}


def bot_membership(chat_id: int, bot: User, by_user_id: int, added: bool) -> dict[str, Any]:
    """A my_chat_member update: the bot was added to (or removed from) a group."""
    chat = Chat(id=chat_id, type=Chat.SUPERGROUP, title="News room")
    left = ChatMemberLeft(user=bot)
    member = ChatMemberMember(user=bot)
    change = ChatMemberUpdated(
        chat=chat,
        from_user=user(by_user_id),
        date=_EPOCH,
        old_chat_member=left if added else member,
        new_chat_member=member if added else left,
    )
    return {Update.MY_CHAT_MEMBER: change.to_dict()}


def chat_member(user_id: int, status: str) -> dict[str, Any]:
    """A getChatMember answer: status is creator, administrator, member, left or kicked."""
    person = user(user_id)
    if status == "creator":
        return ChatMemberOwner(user=person, is_anonymous=False).to_dict()
    if status == "administrator":
        return _administrator(person).to_dict()
    if status == "member":
        return ChatMemberMember(user=person).to_dict()
    if status == "left":
        return ChatMemberLeft(user=person).to_dict()
    if status == "kicked":
        return ChatMemberBanned(user=person, until_date=_EPOCH).to_dict()
    raise ValueError(f"unknown chat member status {status!r}")


def _administrator(person: User) -> ChatMemberAdministrator:
    return ChatMemberAdministrator(
        user=person,
        can_be_edited=False,
        is_anonymous=False,
        can_manage_chat=True,
        can_delete_messages=True,
        can_manage_video_chats=True,
        can_restrict_members=True,
        can_promote_members=False,
        can_change_info=True,
        can_invite_users=True,
        can_post_stories=False,
        can_edit_stories=False,
        can_delete_stories=False,
    )


def migration(old_id: int, new_id: int) -> dict[str, Any]:
    """The service message in a group that became the supergroup `new_id`."""
    message = Message(message_id=next(_message_ids), date=_EPOCH,
                      chat=Chat(id=old_id, type=Chat.GROUP, title="News room"),
                      migrate_to_chat_id=new_id)
    return {"message": message.to_dict()}
