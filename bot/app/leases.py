"""How a process sharing one database with others takes work without doubling it.

Checkers lease the due stories they check and senders claim the chats they serve
(storage.stories.lease_due, storage.outbox.claim_chats_with_due): each lease
names its process and runs out after a while, so work a dead process held is
taken over by another once its lease has run out.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lease:
    """Work held by `owner` (unique to the process) for `seconds`, then free to others."""

    owner: str
    seconds: float


def process_owner() -> str:
    """A name for this process, unique among the machines sharing the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
