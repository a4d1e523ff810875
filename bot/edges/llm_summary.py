"""The optional summarizer that asks an OpenAI-compatible chat endpoint (a local Ollama, say).

It answers a usable summary or raises `SummaryUnavailable` with a short reason;
the fallback to the extractive summary, the concurrency bound and the logs are
the app's (`bot.app.summaries`). Whatever the endpoint does, the cost is bounded:
the answer is read in chunks up to `MAX_ANSWER_BYTES` (a 32 MiB answer is not
held in memory), any JSON is parsed safely (a 100,000-deep one raises
RecursionError inside the parser, caught here), and the whole exchange takes at
most `summary.llm_timeout` seconds.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.core.errors import SummaryUnavailable
from bot.edges.config import SummaryConfig

PROMPT = (
    "Summarize this live news update in one or two plain sentences, at most {max_chars} "
    "characters. Answer with the summary only, no preamble."
)
MAX_ANSWER_BYTES = 256 * 1024
"""A chat completion of a few sentences is a few KiB; anything past this is not one."""
MAX_PROMPT_CHARS = 8000
_CHUNK = 16 * 1024


class LlmSummarizer:
    """Summaries, and other short completions, from a chat-completions endpoint."""

    def __init__(self, config: SummaryConfig, session: aiohttp.ClientSession) -> None:
        if config.llm_url is None:
            raise ValueError("LlmSummarizer needs summary.llm_url")
        self._url = config.llm_url
        self._model = config.llm_model
        self.timeout = config.llm_timeout
        self._key = config.api_key.get_secret_value() if config.api_key else None
        self._session = session

    async def summarize(self, title: str | None, text: str, max_chars: int) -> str:
        """The endpoint's summary of one update, whitespace collapsed, within `max_chars`.

        Raises SummaryUnavailable (its `reason` says why) for anything else.
        """
        user = f"{title or ''}\n\n{text}"[:MAX_PROMPT_CHARS]
        return await self.complete(PROMPT.format(max_chars=max_chars), user, max_chars)

    async def complete(self, system: str, user: str, max_chars: int) -> str:
        """The endpoint's answer to `system` and `user`, whitespace collapsed, in `max_chars`.

        Raises SummaryUnavailable for a timeout, a network error, an error status,
        an answer too large, not JSON, too deeply nested, of another shape, without
        text, empty or longer than `max_chars`.
        """
        try:
            async with asyncio.timeout(self.timeout):
                raw = await self._post(system, user)
        except TimeoutError:
            raise SummaryUnavailable("timeout", f"no answer within {self.timeout:g} s") from None
        except aiohttp.ClientError as error:
            raise SummaryUnavailable("network", type(error).__name__) from None
        return usable_answer(raw, max_chars)

    async def _post(self, system: str, user: str) -> bytes:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        body = {
            "model": self._model,
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": user}],
            "temperature": 0.2,
        }
        async with self._session.post(self._url, json=body, headers=headers) as response:
            if response.status != 200:
                raise SummaryUnavailable("status", f"HTTP {response.status}")
            return await _read_bounded(response)


async def _read_bounded(response: aiohttp.ClientResponse) -> bytes:
    """The body, or SummaryUnavailable("too_large") once it passes `MAX_ANSWER_BYTES`.

    Read chunk by chunk and the connection closed on overflow: the rest is never read.
    """
    declared = response.content_length
    if declared is not None and declared > MAX_ANSWER_BYTES:
        response.close()
        raise SummaryUnavailable("too_large", f"{declared} bytes declared")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            response.close()
            raise SummaryUnavailable("too_large", f"over {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def usable_answer(raw: bytes, max_chars: int) -> str:
    """The text of a chat-completions answer, whitespace collapsed, within `max_chars`.

    Raises SummaryUnavailable for anything else.
    """
    try:
        data = json.loads(raw)
    except RecursionError:
        raise SummaryUnavailable("too_deep", "JSON nested past the parser's limit") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        raise SummaryUnavailable("not_json") from None
    content = _content(data)
    answer = " ".join(content.split())
    if not answer:
        raise SummaryUnavailable("empty")
    if len(answer) > max_chars:
        raise SummaryUnavailable("too_long", f"{len(answer)} characters for {max_chars}")
    return answer


def _content(data: object) -> str:
    """`choices[0].message.content`, checked step by step (no KeyError or IndexError)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    if not isinstance(message, dict):
        raise SummaryUnavailable("bad_shape", "no choices[0].message")
    content = message.get("content")
    if not isinstance(content, str):
        raise SummaryUnavailable("no_text", f"content is {type(content).__name__}")
    return content
