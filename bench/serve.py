"""Serving benchmark: a one-year 1-minute request answered from local files as Web PubSub messages.

Fills a temporary directory with a year of synthetic candles (one child process), then, in a fresh
child process, serves ``request_historical`` for that year through ``serve_historical`` with a sender
that only measures. The exchange registry allows the exchange but is never contacted: the year is
stored whole and the service's clock is set after it, so nothing is missing.

    python bench/serve.py        # this, then bench/serve_e2e.py's table (through cbdata serve)
Prints time to the first and the last chunk, message count, the largest message, and peak memory
(max RSS of the serving process). Targets (issue 5): last chunk <= 1.0 s, peak <= 300 MB.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MINUTE_MS = 60_000


async def fill(root: str) -> None:
    from bench.synthetic import YEAR_START_MS, candles_1m
    from shared.series import SeriesKey
    from shared.storage.local_backend import LocalFileBackend
    from shared.store import CandleStore

    year = candles_1m()
    backend = LocalFileBackend(root)
    try:
        span = (YEAR_START_MS, YEAR_START_MS + year.num_rows * MINUTE_MS)
        await CandleStore(backend).write(SeriesKey("binance", "BTC/USDT", "1m"), year, span)
    finally:
        await backend.close()


async def serve(root: str, encoding: str = "json") -> dict:
    import pyarrow as pa

    from bench.synthetic import YEAR_START_MS
    from shared.api.requests import parse_historical_stream
    from shared.composition import Services
    from shared.exchange.registry import ExchangeRegistry
    from shared.fetch.service import CandleService
    from shared.settings import load_settings
    from shared.storage.local_backend import LocalFileBackend
    from shared.store import CandleStore
    from shared.webpubsub.historical import serve_historical

    pa.set_memory_pool(pa.system_memory_pool())  # as Services.create does
    # pyarrow imports pandas lazily on first use when it is installed (~0.25 s here; once per process,
    # and not at all where pandas is absent, as in the function app): done before the clock starts.
    pa.chunked_array([pa.array([0])]).to_numpy()
    settings = load_settings(
        local_settings_file=None,
        storage={"type": "local", "local_root_path": root},
        ccxt={"exchanges": ["binance"], "default_exchange": "binance"},
    )
    year_end = YEAR_START_MS + 525_600 * MINUTE_MS
    backend = LocalFileBackend(root)
    store = CandleStore(backend)
    registry = ExchangeRegistry(settings.ccxt)
    candles = CandleService(store, registry, clock=lambda: year_end / 1000 + 3600)
    services = Services(settings, backend, store, registry, candles)
    raw = json.dumps(
        {
            "request_id": "bench",
            "symbol": "BTC/USDT",
            "timeframe": "1m",
            "start": YEAR_START_MS,
            "end": year_end,
            "encoding": encoding,
        }
    )
    sizes: list[int] = []
    first_chunk_s = last_chunk_s = 0.0
    baseline_mb = _rss_mb()
    t0 = time.perf_counter()

    async def send(message: bytes) -> None:
        nonlocal first_chunk_s, last_chunk_s
        sizes.append(len(message))
        if message.startswith(b'{"type":"historical_data_chunk"'):
            last_chunk_s = time.perf_counter() - t0
            first_chunk_s = first_chunk_s or last_chunk_s

    try:
        request = parse_historical_stream(raw, max_bytes=settings.request_max_bytes)
        done = await serve_historical(services, request, send, encoding=request.encoding)
        total_s = time.perf_counter() - t0
        clients = len(registry.created())
    finally:
        await services.aclose()
    return {
        "first_chunk_s": first_chunk_s,
        "last_chunk_s": last_chunk_s,
        "complete_s": total_s,
        "messages": len(sizes),
        "chunks": done["chunks"],
        "candles": done["count"],
        "largest_message_bytes": max(sizes),
        "total_mb": sum(sizes) / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline_mb,
        "exchange_clients": clients,
    }


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def _child(*args: str) -> str:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--fill":
        asyncio.run(fill(sys.argv[2]))
        return
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--serve":
        print(json.dumps(asyncio.run(serve(*sys.argv[2:]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = str(Path(tmp) / "data")
        _child("--fill", root)
        results = {encoding: json.loads(_child("--serve", root, encoding)) for encoding in ("json", "arrow")}
    for encoding, r in results.items():
        _print(encoding, r)


def _print(encoding: str, r: dict) -> None:
    print(
        f"one year of 1m candles from local files, {encoding} chunks: "
        f"{r['candles']:,} candles in {r['chunks']} chunks "
        f"({r['messages']} messages, {r['total_mb']:.1f} MB)\n"
        f"  first chunk {r['first_chunk_s']:.3f} s, last chunk {r['last_chunk_s']:.3f} s, "
        f"complete {r['complete_s']:.3f} s   (target: last chunk <= 1.0 s)\n"
        f"  largest message {r['largest_message_bytes']:,} bytes (limit 1,048,576)\n"
        f"  peak memory {r['peak_rss_mb']:.0f} MB (after imports {r['baseline_rss_mb']:.0f} MB; target <= 300 MB)\n"
        f"  exchange clients created: {r['exchange_clients']}"
    )


if __name__ == "__main__":
    main()
    if len(sys.argv) == 1:  # the whole picture: through ``cbdata serve``, local files and Azurite
        from bench.serve_e2e import main as end_to_end

        print()
        end_to_end([])
