"""Klines requests per second the exchange emulator serves (it must not be a benchmark's bottleneck).

Run from the repo root: ``python bench/emulator.py [--requests 300] [--exchange binance|okx]``.
The emulator runs in a child process (its own core); this process asks for consecutive full pages of
1m candles, one request at a time, over a fresh range (no page is asked twice). Prints the requests
per second seen by the client and the emulator's own busy time per request (answers built per second
of emulator work: the capacity of one core). Target: >= 150 klines requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from tests.emulator import DEFAULT_NOW_MS, ExchangeEmulator

MIN = 60_000
DAY = 86_400_000
PAGES = {"binance": 1000, "okx": 300}


def serve(exchange: str, conn) -> None:  # the child process
    async def main() -> None:
        emu = ExchangeEmulator()
        emu.add_series(exchange, "BTC/USDT", seed=1, listing_ms=DEFAULT_NOW_MS - 2000 * DAY)
        await emu.start()
        conn.send(emu.base_url)
        await asyncio.to_thread(conn.recv)  # "report"
        conn.send((emu.busy_s, emu.request_count(exchange, "ohlcv"), time.process_time()))
        await emu.stop()

    asyncio.run(main())


def url_and_params(exchange: str, base: str, start: int) -> tuple[str, dict]:
    page = PAGES[exchange]
    if exchange == "binance":
        params = {"symbol": "BTCUSDT", "interval": "1m", "startTime": start, "endTime": start + page * MIN - 1,
                  "limit": page}  # fmt: skip
        return f"{base}/binance/api/v3/klines", params
    params = {
        "instId": "BTC-USDT",
        "bar": "1m",
        "before": start - 1,
        "after": start + page * MIN,
        "limit": page,
    }
    return f"{base}/okx/api/v5/market/history-candles", params


async def client(exchange: str, base: str, requests: int) -> float:
    start = DEFAULT_NOW_MS - DEFAULT_NOW_MS % DAY - 1500 * DAY
    async with aiohttp.ClientSession() as session:
        t0 = time.perf_counter()
        for i in range(requests):
            url, params = url_and_params(exchange, base, start + i * PAGES[exchange] * MIN)
            async with session.get(url, params=params) as response:
                response.raise_for_status()
                await response.read()
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--exchange", choices=sorted(PAGES), default="binance")
    args = parser.parse_args()
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=serve, args=(args.exchange, child))
    proc.start()
    base = parent.recv()
    elapsed = asyncio.run(client(args.exchange, base, args.requests))
    parent.send("report")
    busy, served, cpu = parent.recv()
    proc.join()
    print(
        f"{args.exchange}: {served} klines requests of {PAGES[args.exchange]} candles in {elapsed:.2f} s = "
        f"{served / elapsed:.0f} req/s seen by the client; emulator busy {busy:.2f} s "
        f"({busy / served * 1000:.2f} ms/request = {served / busy:.0f} req/s per core of emulator work); "
        f"emulator process CPU {cpu:.2f} s (start-up included)"
    )


if __name__ == "__main__":
    main()
