"""The platform-neutral command layer (docs/BEHAVIOUR.md): a command and facts about its caller in,
a reply out. Telegram, Discord and the console bind to it thinly.

Domain errors (BadArgument, NotAllowed, NotFound, FetchError) become the
reply's text here, so every binding answers them the same way. The command
flood throttle (limits.commands_per_minute per platform and user) is kept
here too, so every platform has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import CommandError, FetchError, NotAllowed
from bot.core.model import ChatRef, Notice
from handlers import buttons, following, membership
from handlers.buttons import Pressed
from handlers.caller import Caller, Reply
from handlers.command_values import Command
from handlers.context import Context
from handlers.options import zone_choices
from handlers.registry import Option, parse_command, spec_of
from handlers.throttle import Throttle

__all__ = ["NOT_ADMIN", "Caller", "CommandLayer", "Held", "Pressed", "Reply"]


@dataclass(frozen=True, slots=True)
class Held:
    """A throttled command: one "slow down" reply, or None once the caller was told."""

    reply: Reply | None


NOT_ADMIN = "Only an admin of this chat can do that."
NOT_HERE = "/{name} does not work here; /help lists the commands that do."
LOCKED = "This chat is locked: only an admin can (un)subscribe."
SLOW_DOWN = ("Slow down: that is over {limit} commands a minute. "
             "Your commands are ignored for a minute; example: /help after that.")


class CommandLayer:
    """Carries out chat commands against storage; the one implementation behind every platform."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._throttle = Throttle(context.limits.commands_per_minute)

    @property
    def argument_chars(self) -> int:
        """The longest command argument accepted (limits.argument_chars)."""
        return self._context.limits.argument_chars

    async def run_text(self, caller: Caller, text: str, *, bot_username: str | None = None
                       ) -> Reply | None:
        """Parse and carry out `text`; None when it is not a command for this bot, or
        when its sender is throttled."""
        try:
            command = parse_command(text, bot_username=bot_username,
                                    max_chars=self.argument_chars)
        except CommandError as error:
            return self.refuse(caller, error)
        if command is None:
            return None
        return await self.run(caller, command)

    def refuse(self, caller: Caller, error: CommandError) -> Reply | None:
        """The reply to a command that could not be read (counted by the throttle like any)."""
        held = self._held(caller)
        if held is not None:
            return held.reply
        return Reply(_sentence(str(error)), private=True)

    async def run(self, caller: Caller, command: Command) -> Reply | None:
        """Carry out one command for `caller`; every outcome is a reply, except that a
        throttled caller's commands are ignored (None)."""
        held = self._held(caller)
        if held is not None:
            return held.reply
        try:
            await self._check_allowed(caller, command)
            answer = await self._carry_out(caller, command)
        except (CommandError, FetchError) as error:
            return Reply(_sentence(str(error)), private=True)
        private = spec_of(command).is_private(command)
        if isinstance(answer, Notice):
            return Reply(answer.text, private=private, attachment=answer.attachment)
        return Reply(answer, private=private,
                     buttons=await buttons.for_command(self._context, caller.chat, command))

    async def press(self, caller: Caller, data: str) -> Pressed:
        """Carry out the button `data` (handlers.buttons) that `caller` pressed: the typed
        command it stands for, with that command's access rules and the same throttle."""
        held = self._held(caller)
        if held is not None:
            return Pressed(held.reply.text if held.reply else "", refused=True)
        try:
            press = buttons.parse(data)
            command = await buttons.command_of(self._context, caller.chat, press)
            await self._check_allowed(caller, command, pressed=True)
            text = _words(await self._carry_out(caller, command))
        except (CommandError, FetchError) as error:
            return Pressed(_sentence(str(error)), refused=True)
        # The pressed list, as /list shows it now.
        shown = await buttons.current_page(self._context, caller.chat, press.page)
        listing = _words(await self._carry_out(caller, shown))
        return Pressed(text, page=await buttons.page_after(self._context, caller.chat, text,
                                                           listing, shown.page))

    def _held(self, caller: Caller) -> Held | None:
        """None when the caller's command may go on; else what the throttle answers."""
        if not caller.limited:
            return None
        now = self._context.clock().timestamp()
        verdict = self._throttle.check((caller.chat.platform, caller.user_id), now)
        if verdict == "pass":
            return None
        if verdict == "warn":
            limit = self._context.limits.commands_per_minute
            return Held(Reply(SLOW_DOWN.format(limit=limit), private=True))
        return Held(None)

    async def membership(self, platform: str, chat_id: str, present: bool) -> None:
        """The bot was added to (`present`) or removed from a platform's chat."""
        await membership.changed(self._context, platform, chat_id, present)

    async def migrated(self, platform: str, old_id: str, new_id: str) -> None:
        """A platform's chat moved to a new id (a Telegram group became a supergroup)."""
        await membership.migrated(self._context, platform, old_id, new_id)

    async def choices(self, chat: ChatRef, option: Option, typed: str) -> list[tuple[str, str]]:
        """What to offer while `option` is typed in `chat`: (label, value) pairs."""
        if option.complete == "stories":
            return await following.story_choices(self._context, chat, typed)
        if option.complete == "zones":
            return [(zone, zone) for zone in zone_choices(typed)]
        return []

    async def _check_allowed(self, caller: Caller, command: Command, *,
                             pressed: bool = False) -> None:
        spec = spec_of(command)
        if not spec.works_on(caller.chat.platform):
            raise NotAllowed(NOT_HERE.format(name=spec.name))
        access = spec.access_to(command)
        if pressed and access == "members" and caller.kind == "channel":
            # A channel's members are those who post in it; its buttons reach every reader.
            access = "admins"
        if access == "admins":
            if not await caller.is_admin():
                raise NotAllowed(NOT_ADMIN)
        elif access == "members":
            chat = await self._context.chat(caller.chat)
            if chat is not None and chat.locked and not await caller.is_admin():
                raise NotAllowed(LOCKED)

    async def _carry_out(self, caller: Caller, command: Command) -> str | Notice:
        return await spec_of(command).run(self._context, caller, command)


def _words(answer: str | Notice) -> str:
    """The text of a use case's answer (a button stands for commands that answer in words)."""
    return answer.text if isinstance(answer, Notice) else answer


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else "Something went wrong."

