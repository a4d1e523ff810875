"""Extraction in a worker process gives what extraction inline gives."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime

from bot.core.model import Fetched, Validators
from bot.edges.extraction_pool import extract_with, extraction_pool

PAGE = b"""<html><head><title>Strikes: live</title></head><body><main>
<article id="post-2"><time datetime="2024-02-03T10:01:00+00:00">10:01</time>
<p>Iraq says Washington did not coordinate the attacks with Baghdad.</p></article>
<article id="post-1"><time datetime="2024-02-03T10:00:00+00:00">10:00</time>
<p>Iran condemns the strikes on targets in Syria and Iraq.</p></article>
</main></body></html>"""


def fetched() -> Fetched:
    return Fetched(url="https://example.com/live", final_url="https://example.com/live",
                   fetched_at=datetime(2024, 2, 3, 11, 0, tzinfo=UTC), body=PAGE,
                   content_type="text/html", charset="utf-8", validators=Validators(),
                   unchanged=False)


async def test_the_pool_extracts_what_inline_extraction_does() -> None:
    """A page parsed in the worker comes back equal to the page parsed here."""
    extract = functools.partial(extract_with, ())
    with extraction_pool(cpus=2) as pool:
        assert pool is not None
        page = await asyncio.get_running_loop().run_in_executor(pool, extract, fetched())
    assert page == extract(fetched()) and len(page.entries) == 2


def test_one_cpu_means_no_pool() -> None:
    """On a single CPU extraction stays inline: no pool."""
    with extraction_pool(cpus=1) as pool:
        assert pool is None
