"""A local file read as if it had been fetched, for `storywatch check FILE`."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import Path

from bot.core.errors import TooLarge
from bot.core.model import Fetched, Validators

FILE_TYPES = {".txt": "text/plain", ".xml": "application/xml", ".rss": "application/rss+xml",
              ".atom": "application/atom+xml", ".html": "text/html", ".htm": "text/html"}


def read_file(path: Path, max_bytes: int, *, now: datetime) -> Fetched:
    """The file at `path` as a fetched document, its type from its suffix.

    Raises TooLarge past `max_bytes`, OSError when it cannot be read.
    """
    with path.open("rb") as file:
        body = file.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise TooLarge(f"{path} is over the size limit of {max_bytes} bytes")
    url = path.resolve().as_uri()
    return Fetched(url=url, final_url=url, fetched_at=now, body=body,
                   content_type=_file_type(path), charset=None, validators=Validators(),
                   unchanged=False)


def _file_type(path: Path) -> str:
    return FILE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or ""
