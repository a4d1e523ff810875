"""An optional summarizer that asks an OpenAI-compatible chat endpoint (a local Ollama, say).

When the endpoint fails, is slow, or answers something unusable, the
extractive summary is used instead: an alert is never held up by it.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from bot.core.summarize import summarize
from bot.edges.config import SummaryConfig

log = logging.getLogger(__name__)

PROMPT = (
    "Summarize this live news update in one or two plain sentences, at most {max_chars} "
    "characters. Answer with the summary only, no preamble."
)


class LlmSummarizer:
    """Satisfies `core.ports.Summarizer` through a chat-completions endpoint, with a fallback."""

    def __init__(self, config: SummaryConfig, session: aiohttp.ClientSession) -> None:
        if config.llm_url is None:
            raise ValueError("LlmSummarizer needs summary.llm_url")
        self._url = config.llm_url
        self._model = config.llm_model
        self._timeout = config.llm_timeout
        self._key = config.api_key.get_secret_value() if config.api_key else None
        self._session = session

    async def summarize(self, title: str | None, text: str, max_chars: int) -> str:
        """The endpoint's summary within `max_chars`, or the extractive one if it fails."""
        try:
            async with asyncio.timeout(self._timeout):
                answer = await self._ask(title, text, max_chars)
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError, TypeError) as error:
            log.warning("summary endpoint failed (%s); using the extractive summary",
                        type(error).__name__)
            answer = ""
        answer = " ".join(answer.split())
        if not answer or len(answer) > max_chars:
            return summarize(title, text, max_chars)
        return answer

    async def _ask(self, title: str | None, text: str, max_chars: int) -> str:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        body = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": PROMPT.format(max_chars=max_chars)},
                {"role": "user", "content": f"{title or ''}\n\n{text}"[:8000]},
            ],
            "temperature": 0.2,
        }
        async with self._session.post(self._url, json=body, headers=headers) as response:
            response.raise_for_status()
            data = await response.json(content_type=None)
        content = data["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise ValueError("summary endpoint answered no text")
        return content
