"""Cold fetch of N days of 1-minute candles from the exchange emulator through real ccxt.

Run from the repo root: ``python bench/exchange.py [--days 30] [--exchange binance|okx|cryptocom|all]``.
Prints wall time, candles, and candle requests against the minimum (ceil(N / page limit)), once
clean and once with injected faults (after the first pages: two 503s, a burst of three 429s with
Retry-After 0.05 s, one malformed JSON body, one 0.6 s hang against a 0.3 s client timeout).
"Cold" = a fresh registry: ccxt instance created and markets loaded inside the timed part (the
ccxt import itself is timed separately, once per process). The emulator sets ``rateLimit`` to 1 ms,
so the figures measure our code, ccxt's parsing and the loopback HTTP, not an exchange's limits.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.exchange import ExchangeRegistry
from tests.emulator import ExchangeEmulator
from tests.emulator.fixtures import emulator_settings

MIN = 60_000
FAULTS = [
    {"kind": "status", "status": 503, "count": 2},
    {"kind": "rate_limit", "retry_after": 0.05, "count": 3},
    {"kind": "malformed", "count": 1},
    {"kind": "timeout", "delay_s": 0.6, "count": 1},
]


async def run(exchange: str, days: int, faults: bool) -> None:
    emu = ExchangeEmulator()
    now = emu.clock.now_ms
    emu.add_series(exchange, "BTC/USDT", seed=1, listing_ms=now - (days + 30) * 86_400_000)
    await emu.start()
    options = emu.exchange_options(exchange, timeout_ms=300)
    settings = emulator_settings(
        emu, exchange_options=options, retry_max_attempts=6, retry_base_delay_seconds=0.01,
        retry_max_delay_seconds=0.5, exchanges=[exchange], default_exchange=exchange,
    )  # fmt: skip
    registry = ExchangeRegistry(settings, clock=emu.clock)
    pending = list(FAULTS) if faults else []  # one fault burst after each of the first pages
    if exchange == "cryptocom":  # ccxt's cryptocom turns any error or unparsable body (5xx too) into a
        pending = [f for f in pending if f["kind"] not in ("status", "malformed")]  # permanent: not retried
    end = now - now % MIN
    start = end - days * 1440 * MIN
    try:
        client = registry.get(exchange)
        t0 = time.perf_counter()
        candles = pages = 0
        async for page in client.fetch_ohlcv("BTC/USDT", "1m", start, end):
            candles += len(page.rows)
            pages += 1
            if pending:
                emu.inject(exchange, **pending.pop(0))
        elapsed = time.perf_counter() - t0
        limit = await client.page_limit()
    finally:
        await registry.aclose()
        await emu.stop()
    minimum = math.ceil(days * 1440 / limit)
    label = "with faults" if faults else "clean"
    print(
        f"{exchange:8s} {days:4d} d 1m {label:12s} {elapsed:7.2f} s  candles={candles:7d}  pages={pages:4d} "
        f"candle requests={client.ohlcv_requests:4d} (minimum {minimum}, +{client.ohlcv_requests - minimum}) "
        f"all requests={client.requests_made}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--exchange", choices=["binance", "okx", "cryptocom", "all"], default="all")
    args = parser.parse_args()
    t0 = time.perf_counter()
    import ccxt.async_support  # noqa: F401  (the one-off import cost, outside the timed fetches)

    print(f"import ccxt.async_support: {time.perf_counter() - t0:.2f} s")
    for exchange in ["binance", "okx", "cryptocom"] if args.exchange == "all" else [args.exchange]:
        for faults in (False, True):
            await run(exchange, args.days, faults)


if __name__ == "__main__":
    asyncio.run(main())
