"""Bench: aiohttp vs httpx fetching 1,000 small pages concurrently on loopback.

The pages are served by an aiohttp server in a child process, so the server
does not share the clients' event loop or GIL. Each client fetches every page
once per run with the same connection cap, in two modes: "queued" (all 1,000
requests handed to the client at once, waiting on its pool) and "gated" (a
semaphore keeps only as many in flight as there are connections). Runs
alternate between clients.
Prints one line per client and, last, one JSON object with the medians.

    .venv/bin/python bench/http_clients.py [--pages 1000] [--runs 5] [--connections 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection

import aiohttp
import httpx
from aiohttp import web

PAGE = b"<html><body>" + b"<p>14:52 GMT An update on the story.</p>" * 50 + b"</body></html>"


def serve(pipe: Connection) -> None:
    """Child process: serve PAGE on every path until the parent closes the pipe."""

    async def main() -> None:
        async def page(request: web.BaseRequest) -> web.Response:
            return web.Response(body=PAGE, content_type="text/html")

        runner = web.ServerRunner(web.Server(page), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        pipe.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # wait for "stop"
        await runner.cleanup()

    asyncio.run(main())


Get = Callable[[str], Awaitable[int]]


async def gather_all(get: Get, urls: list[str], gate: int | None) -> int:
    """All URLs at once; with `gate`, a semaphore keeps that many in flight."""
    if gate is None:
        return sum(await asyncio.gather(*(get(url) for url in urls)))
    semaphore = asyncio.Semaphore(gate)

    async def gated(url: str) -> int:
        async with semaphore:
            return await get(url)

    return sum(await asyncio.gather(*(gated(url) for url in urls)))


async def with_aiohttp(urls: list[str], connections: int, gate: int | None) -> int:
    """Fetch every URL with one aiohttp session; returns the bytes read."""
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(url: str) -> int:
            async with session.get(url) as response:
                return len(await response.read())

        return await gather_all(get, urls, gate)


async def with_httpx(urls: list[str], connections: int, gate: int | None) -> int:
    """Fetch every URL with one httpx client; returns the bytes read."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=120, trust_env=False) as client:

        async def get(url: str) -> int:
            return len((await client.get(url)).content)

        return await gather_all(get, urls, gate)


Client = Callable[[list[str], int, int | None], Awaitable[int]]


def timed(client: Client, urls: list[str], connections: int, gate: int | None) -> float:
    """Seconds for one run of `client` over `urls` (a fresh event loop each run)."""
    started = time.perf_counter()
    size = asyncio.run(client(urls, connections, gate))
    elapsed = time.perf_counter() - started
    assert size == len(PAGE) * len(urls), "a page came back short"
    return elapsed


def main() -> None:
    """Run the bench and print the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child,))
    server.start()
    try:
        port = parent.recv()
        urls = [f"http://127.0.0.1:{port}/story/{n}" for n in range(args.pages)]
        times = run_all(urls, args.connections, args.runs)
    finally:
        parent.send("stop")
        server.join(timeout=10)
    report(times, args)


def run_all(urls: list[str], connections: int, runs: int) -> dict[str, list[float]]:
    """Times per (client, mode): all requests queued on the pool, or gated by a semaphore."""
    clients: dict[str, Client] = {"aiohttp": with_aiohttp, "httpx": with_httpx}
    modes: dict[str, int | None] = {"queued": None, "gated": connections}
    for client in clients.values():  # warm-up: imports, first connections
        timed(client, urls[:50], connections, connections)
    times: dict[str, list[float]] = {}
    for _ in range(runs):  # alternate clients so drift in the machine hits both alike
        for mode, gate in modes.items():
            for name, client in clients.items():
                elapsed = timed(client, urls, connections, gate)
                times.setdefault(f"{name}_{mode}", []).append(elapsed)
    return times


def report(times: dict[str, list[float]], args: argparse.Namespace) -> None:
    """One line per client and mode, then the JSON summary."""
    result: dict[str, object] = {"pages": args.pages, "runs": args.runs,
                                 "connections": args.connections}
    medians = {key: statistics.median(runs) for key, runs in times.items()}
    for key, runs in times.items():
        result[f"{key}_median_s"] = round(medians[key], 4)
        result[f"{key}_rps"] = round(args.pages / medians[key], 1)
        print(f"{key:16} median {medians[key]:7.3f} s {args.pages / medians[key]:9.1f} req/s  "
              f"runs {', '.join(f'{run:.3f}' for run in runs)}")
    for mode in ("queued", "gated"):
        ratio = medians[f"httpx_{mode}"] / medians[f"aiohttp_{mode}"]
        result[f"aiohttp_speedup_{mode}"] = round(ratio, 2)
        print(f"{mode}: aiohttp is {ratio:.2f}x as fast as httpx")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
