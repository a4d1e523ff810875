"""The console as a chat: `ConsoleMessenger` prints each message to a text stream, flushed."""

from __future__ import annotations

import json
from typing import TextIO

from bot.core.model import Alert, ChatRef, Digest, Folded, Message, Notice
from bot.core.ports import Pace
from bot.core.render.console import render_json, render_text


class ConsoleMessenger:
    """Satisfies `bot.core.ports.Messenger` for platform "console".

    With `as_json`, alerts and folded bursts are one JSON line each (docs/BEHAVIOUR.md,
    Command line) and a digest is one line per alert; otherwise readable text, a blank
    line between messages. `sent` counts the messages printed.
    """

    platform = "console"

    def __init__(self, stream: TextIO, *, as_json: bool = False) -> None:
        self._stream = stream
        self._as_json = as_json
        self.sent = 0

    async def send(self, chat: ChatRef, message: Message, *, pace: Pace | None = None,
                   key: str | None = None) -> str:
        """Print the message, always as one (`pace` is not needed); returns its number (the
        console's message id)."""
        self._stream.write(self._format(message) + "\n")
        # Flushed per message: a reader of a pipe must see each alert as it happens.
        self._stream.flush()
        self.sent += 1
        return str(self.sent)

    async def edit(self, chat: ChatRef, message_id: str, message: Message) -> None:
        """Printed lines cannot be changed: a correction is not shown again."""

    def _format(self, message: Message) -> str:
        if not self._as_json:
            return render_text(message) + "\n"
        match message:
            case Alert() | Folded():
                return render_json(message)
            case Digest():
                return "\n".join(render_json(alert) for alert in message.alerts)
            case Notice():
                return json.dumps({"notice": message.text, "link": message.link},
                                  ensure_ascii=False)
