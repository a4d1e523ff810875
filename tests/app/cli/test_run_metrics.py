"""The real `storywatch run` with `[metrics] listen` set, watched from outside as Prometheus
and an orchestrator would: /metrics counts the alerts as they go out to the fake Telegram,
and /readyz turns unready when Telegram stops answering and ready again when it is back."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.app.cli.runner import cli_env, start
from tests.fakes import telegram_updates as updates
from tests.fakes.telegram_api import TelegramApiServer
from tests.fakes.web import WebServer
from tests.platforms.telegram.test_bindings import numbered_post, story_page

USER = 4242
WAIT = 20.0
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Listener:
    """The process's metrics and health listener, asked over HTTP on loopback."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self._session = session
        self._base = f"http://127.0.0.1:{port}"

    async def probe(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self._session.get(self._base + path) as response:
            return response.status, await response.json()

    async def samples(self) -> Samples:
        async with self._session.get(self._base + "/metrics") as response:
            assert response.status == 200
            text = await response.text()
        return {(sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(text) for sample in family.samples}

    async def wait_probe(self, path: str, status: int) -> dict[str, Any]:
        """Wait until `path` answers `status`; returns its body."""
        async with asyncio.timeout(WAIT):
            while True:
                try:
                    got, body = await self.probe(path)
                    if got == status:
                        return body
                except aiohttp.ClientConnectionError:
                    pass  # not listening yet
                await asyncio.sleep(0.1)

    async def wait_samples(self, condition: Callable[[Samples], bool]) -> Samples:
        """Wait until the scraped samples satisfy `condition`; returns them."""
        async with asyncio.timeout(WAIT):
            # Another process's HTTP endpoint offers no event to await: poll it.
            while not condition(samples := await self.samples()):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def alerts_sent(samples: Samples) -> float:
    return value(samples, "storywatch_alerts_sent_total", platform="telegram", kind="alert")


async def test_without_a_listener_run_loads_no_metrics_library(tmp_path: Path) -> None:
    """Metrics off (the default): `run --once` imports neither prometheus_client nor the
    listener, so they add nothing to its start-up."""
    code = ("import sys\n"
            "from bot.app.cli import main\n"
            "try:\n    main(['run', '--once'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('prometheus_client',"
            " 'bot.app.listener', 'bot.app.metrics'))))")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=cli_env(tmp_path), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().strip().splitlines()[-1] == "[]"


async def _read(stream: asyncio.StreamReader | None) -> str:
    return (await stream.read()).decode() if stream is not None else ""


async def test_metrics_follow_alerts_and_readiness_follows_telegram(
    tmp_path: Path, web_server: WebServer
) -> None:
    posts = [numbered_post(1), numbered_post(2)]
    web_server.set("/live", story_page(posts))
    port = free_port()
    fake = TelegramApiServer()
    await fake.__aenter__()
    env = cli_env(
        tmp_path,
        STORYWATCH_TELEGRAM__TOKEN=fake.token,
        STORYWATCH_TELEGRAM__BASE_URL=fake.base_url,
        STORYWATCH_TELEGRAM__POLL_TIMEOUT="1",
        STORYWATCH_TELEGRAM__CHAT_RATE_PER_SECOND="100",
        STORYWATCH_FETCH__ALLOW_NETWORKS='["127.0.0.0/8"]',
        STORYWATCH_SCHEDULE__INTERVAL="0.3",
        STORYWATCH_SCHEDULE__MIN_INTERVAL="0.3",
        STORYWATCH_SCHEDULE__MAX_INTERVAL="1",
        STORYWATCH_SCHEDULE__TICK="0.1",
        STORYWATCH_DELIVERY__RETRY_BASE="0.2",
        STORYWATCH_DELIVERY__RETRY_MAX="0.5",
        STORYWATCH_METRICS__LISTEN=f"127.0.0.1:{port}",
        STORYWATCH_METRICS__READY_MAX_PENDING_AGE="2",
    )
    process = await start("run", env=env)
    output = asyncio.gather(_read(process.stdout), _read(process.stderr))
    try:
        async with aiohttp.ClientSession() as session:
            listener = Listener(session, port)
            assert (await listener.wait_probe("/healthz", 200))["ok"] is True
            ready = await listener.wait_probe("/readyz", 200)
            assert ready["checks"]["telegram"]["ok"] and ready["checks"]["scheduler"]["ok"]
            assert alerts_sent(await listener.samples()) == 0

            # An alert goes out: the counters move with it.
            fake.inject(updates.private_command(USER, f"/subscribe {web_server.url('/live')}"))
            await fake.wait_for(lambda calls: any(c.method == "sendMessage" for c in calls), WAIT)
            posts.append(numbered_post(3))
            web_server.set("/live", story_page(posts))
            samples = await listener.wait_samples(lambda s: alerts_sent(s) == 1)
            assert value(samples, "storywatch_alerts_queued_total",
                         platform="telegram", kind="alert") == 1
            assert value(samples, "storywatch_updates_found_total", kind="new") == 1
            assert value(samples, "storywatch_fetches_total", outcome="200") >= 2
            assert value(samples, "storywatch_fetch_seconds_count") >= 2
            assert value(samples, "storywatch_extraction_seconds_count") >= 2
            assert value(samples, "storywatch_stories_followed") == 1
            assert value(samples, "storywatch_outbox_pending", platform="telegram") == 0
            assert value(samples, "storywatch_platform_connected", platform="telegram") == 1
            assert value(samples, "storywatch_process_resident_memory_bytes") > 0
            assert any("Update number 3" in m["text"] for m in fake.messages.values())

            # Telegram stops answering while an update comes: unready, the alert waits.
            await fake.__aexit__(None, None, None)
            posts.append(numbered_post(4))
            web_server.set("/live", story_page(posts))
            unready = await listener.wait_probe("/readyz", 503)
            assert unready["ok"] is False and not unready["checks"]["telegram"]["ok"]
            samples = await listener.wait_samples(lambda s: value(
                s, "storywatch_send_errors_total", platform="telegram", reason="transient") >= 1)
            assert value(samples, "storywatch_outbox_pending", platform="telegram") == 1
            assert value(samples, "storywatch_platform_connected", platform="telegram") == 0
            assert alerts_sent(samples) == 1
            assert (await listener.probe("/healthz"))[0] == 200  # alive all the same

            # Telegram is back where it was: ready again, and the waiting alert goes out.
            fake = TelegramApiServer(port=fake.port)
            await fake.__aenter__()
            await listener.wait_probe("/readyz", 200)
            samples = await listener.wait_samples(lambda s: alerts_sent(s) == 2)
            assert value(samples, "storywatch_outbox_pending", platform="telegram") == 0
            assert any("Update number 4" in m["text"] for m in fake.messages.values())
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(WAIT):
            status = await process.wait()
            _, stderr = await output
        await fake.__aexit__(None, None, None)
    assert status == 0, stderr
