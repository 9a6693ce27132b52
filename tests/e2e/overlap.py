"""Two ``cbdata serve`` processes on one store, 12 overlapping requests: how many exchange pages?

``run_overlap(storage_env, workdir)`` starts the exchange emulator (real time), two servers sharing
the storage in ``storage_env`` (local files or an Azurite container), sends 12 overlapping
``GET /api/ohlcv`` requests alternately to them, all at once, and returns the page requests the
emulator saw, the minimum for the union of the ranges, and whether every answer was exact.
Used by ``tests/e2e/test_two_instances.py`` (asserts) and ``bench/overlap.py`` (prints).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.emulator.clock import LiveClock
from tests.emulator.server import ExchangeEmulator

ROOT = Path(__file__).resolve().parents[2]
KEY = "overlap-function-key"
MIN = 60_000
LIMIT = 1000  # the emulator's (and Binance's) klines limit
REQUESTS, CANDLES, STEP = 12, 20_000, 4_000  # each request 20,000 candles, starts 4,000 apart


@dataclass(frozen=True)
class OverlapResult:
    pages: int
    minimum: int
    exact: bool
    seconds: float

    @property
    def excess(self) -> float:
        return self.pages / self.minimum - 1


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(
    emu: ExchangeEmulator, storage_env: dict[str, str], workdir: Path, n: int
) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "CCXT_", "SYNC_", "LOCAL_"))}
    env.pop("WebPubSubConnectionString", None)
    env.update(
        CCXT_EXCHANGES="binance",
        CCXT_DEFAULT_EXCHANGE="binance",
        CCXT_EXCHANGE_OPTIONS=json.dumps(emu.exchange_options("binance", timeout_ms=10_000)),
        CCXT_CLOSED_CANDLE_MARGIN_SECONDS="5",
        LOCAL_FUNCTION_KEY=KEY,
        LOCAL_MASTER_KEY=KEY + "-master",
        SYNC_SCHEDULE="0 0 0 1 1 *",
        HTTP_MAX_CANDLES=str(CANDLES),
        PYTHONUNBUFFERED="1",
        **storage_env,
    )
    log = open(workdir / f"serve-{n}.log", "w")  # closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "shared", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cbdata serve exited: {(workdir / f'serve-{n}.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2):
                return url, process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("cbdata serve did not start")


async def run_overlap(storage_env: dict[str, str], workdir: Path) -> OverlapResult:
    emu = ExchangeEmulator(clock=LiveClock())
    now = int(time.time() * 1000)
    base = now - now % MIN - (REQUESTS * STEP + CANDLES + 600) * MIN
    emu.add_series("binance", "BTC/USDT", seed=7, base_price=30_000.0, listing_ms=base - 30 * 86_400_000)
    await emu.start()
    servers = []
    try:
        servers = [await asyncio.to_thread(_start, emu, storage_env, workdir, n) for n in range(2)]
        ranges = [(base + k * STEP * MIN, base + (k * STEP + CANDLES) * MIN) for k in range(REQUESTS)]
        started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:

            async def ask(k: int, start: int, end: int) -> list:
                url = servers[k % 2][0] + "/api/ohlcv"
                params = {"symbol": "BTC/USDT", "timeframe": "1m", "start": str(start), "end": str(end)}
                async with http.get(url, params=params, headers={"x-functions-key": KEY}) as response:
                    body = await response.json()
                    if response.status != 200:
                        raise RuntimeError(f"request {k}: {response.status} {body}")
                    return body["data"]

            answers = await asyncio.gather(*(ask(k, *r) for k, r in enumerate(ranges)))
        seconds = time.monotonic() - started
        union = (ranges[0][0], ranges[-1][1])
        truth = emu.ground_truth("binance", "BTC/USDT", "1m", *union)
        exact = all(
            rows == [r for r in truth if start <= r[0] < end]
            for (start, end), rows in zip(ranges, answers, strict=True)
        )
        minimum = math.ceil((union[1] - union[0]) / MIN / LIMIT)
        return OverlapResult(emu.request_count("binance", "ohlcv"), minimum, exact, seconds)
    finally:
        for _, process in servers:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        await emu.stop()
