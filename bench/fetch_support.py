"""The measured jobs of ``bench/fetch.py``; each runs in a fresh child process and returns a dict of figures.

- ``cold``: one year of 1m binance BTC/USDT from the exchange emulator into an empty store;
- ``warm``: the same year served from a filled store (no exchange involved);
- ``copy``: the local partitions copied into an Azurite container through the backends (set-up only);
- ``sync``: 100 targets synced once (set-up), the clock moved 30 minutes, then all 100 synced again.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path

from shared.series import SeriesKey

MIN = 60_000
DAY = 86_400_000
YEAR_START = 1_735_689_600_000  # 2025-01-01T00:00:00Z
YEAR_END = 1_767_225_600_000  # 2026-01-01T00:00:00Z
YEAR_NOW_MS = YEAR_END + 30_000  # "now" just after the year (the first 2026 candle is still open)
SYNC_NOW_MS = YEAR_END + 12 * 3_600_000 + 30_000  # mid-partition, so an update touches one partition
LISTING_MS = YEAR_START - 90 * DAY
BTC = SeriesKey("binance", "BTC/USDT", "1m")
KLINES_LIMIT = 1000
SYNC_TARGETS = 100
SYNC_CONCURRENCY = 8
AZURITE_ENV = "BENCH_AZURITE_CONNECTION_STRING"  # the dev-account string of the Azurite we started
CONTAINER = "bench-fetch"


def rss_mb() -> float:
    """Resident memory now, in MiB (the unit of ``peak_mb``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_for(job: str, kind: str) -> None:
    """Import what a job uses before its baseline, so "after imports" holds every module it needs."""
    import pyarrow.parquet  # noqa: F401

    import shared.fetch.service
    import shared.storage.local_backend

    if kind == "azure":
        import azure.storage.blob.aio  # noqa: F401

        import shared.storage.blob_backend
    if job in ("cold", "sync"):
        import ccxt.async_support  # noqa: F401

        import shared.exchange.ccxt.client  # noqa: F401
        import tests.emulator  # noqa: F401


@contextlib.asynccontextmanager
async def open_backend(kind: str, location: str) -> AsyncIterator:
    if kind == "local":
        from shared.storage.local_backend import LocalFileBackend

        backend = LocalFileBackend(Path(location))
    else:
        from azure.storage.blob.aio import ContainerClient

        from shared.storage.blob_backend import BlobBackend

        client = ContainerClient.from_connection_string(os.environ[AZURITE_ENV], location)
        backend = BlobBackend(client)
    try:
        yield backend
    finally:
        await backend.close()


def _service(backend, registry, clock, **kw):
    import pyarrow as pa

    from shared.fetch.service import CandleService
    from shared.store import CandleStore

    pa.set_memory_pool(pa.system_memory_pool())  # as the composition root does in the service
    return CandleService(CandleStore(backend), registry, closed_margin_seconds=0.0, clock=clock, **kw)


@contextlib.asynccontextmanager
async def emulator_and_registry(now_ms: int) -> AsyncIterator:
    from shared.exchange import ExchangeRegistry
    from shared.settings import CcxtSettings
    from tests.emulator import ExchangeEmulator
    from tests.emulator.clock import FakeClock

    emu = ExchangeEmulator(clock=FakeClock(now_ms / 1000))
    await emu.start()
    try:
        settings = CcxtSettings(
            exchanges=["binance"], default_exchange="binance", closed_candle_margin_seconds=0.0,
            exchange_options=emu.exchange_options("binance", timeout_ms=10_000),
            retry_base_delay_seconds=0.01, retry_max_delay_seconds=0.5,
        )  # fmt: skip
        registry = ExchangeRegistry(settings, clock=emu.clock)
        try:
            yield emu, registry, settings
        finally:
            await registry.aclose()
    finally:
        await emu.stop()


async def cold(kind: str, location: str) -> dict:
    import_for("cold", kind)
    baseline = rss_mb()
    async with (
        emulator_and_registry(YEAR_NOW_MS) as (emu, registry, _),
        open_backend(kind, location) as backend,
    ):
        emu.add_series("binance", BTC.symbol, seed=1, base_price=30_000.0, listing_ms=LISTING_MS)
        service = _service(backend, registry, emu.clock)
        t0 = time.perf_counter()
        stream = await service.open(BTC, YEAR_START, YEAR_END)
        rows = 0
        async for batch in stream.batches():
            rows += batch.num_rows
        elapsed = time.perf_counter() - t0
        klines = emu.request_count("binance", "ohlcv")
        return {
            "job": "cold", "backend": kind, "seconds": elapsed, "rows": rows, "klines": klines,
            "all_requests": emu.request_count(), "planned": stream.plan.requests,
            "minimum": math.ceil((YEAR_END - YEAR_START) // MIN / KLINES_LIMIT),
            "requests_per_s": klines / elapsed, "candles_per_s": rows / elapsed,
            "peak_mb": peak_mb(), "baseline_mb": baseline,
        }  # fmt: skip


async def warm(kind: str, location: str) -> dict:
    from shared.exchange import ExchangeRegistry
    from shared.settings import CcxtSettings

    import_for("warm", kind)
    baseline = rss_mb()
    # no exchange is reachable here: a warm serve must not need one (the plugin is never created)
    registry = ExchangeRegistry(CcxtSettings(exchanges=["binance"], default_exchange="binance"))
    try:
        async with open_backend(kind, location) as backend:
            service = _service(backend, registry, lambda: YEAR_NOW_MS / 1000)
            passes = [await _serve_year(service) for _ in range(2)]  # fresh process, then warmed up
    finally:
        await registry.aclose()
    first, again = passes
    return {
        **first, "job": "warm", "backend": kind, "again_first_s": again["first_batch_s"],
        "again_last_s": again["last_batch_s"], "plugins": len(registry.created()),
        "peak_mb": peak_mb(), "baseline_mb": baseline,
    }  # fmt: skip


async def _serve_year(service) -> dict:
    t0 = time.perf_counter()
    stream = await service.open(BTC, YEAR_START, YEAR_END)
    rows, batches, first = 0, 0, None
    async for batch in stream.batches():
        first = first if first is not None else time.perf_counter() - t0
        rows += batch.num_rows
        batches += 1
    elapsed = time.perf_counter() - t0
    return {"first_batch_s": first, "last_batch_s": elapsed, "rows": rows, "batches": batches,
            "planned": stream.plan.requests}  # fmt: skip


async def copy(local_dir: str, container: str) -> dict:
    """Fill an Azurite container with the local partitions, byte for byte, through the backends."""
    t0 = time.perf_counter()
    async with open_backend("local", local_dir) as src, open_backend("azure", container) as dst:
        infos = await src.list("ohlcv/")
        for info in infos:
            obj = await src.read(info.key)
            assert obj is not None
            await dst.write(info.key, obj.data, if_none_match=True)
    return {"job": "copy", "objects": len(infos), "bytes": sum(i.size for i in infos),
            "seconds": time.perf_counter() - t0}  # fmt: skip


async def sync(kind: str, location: str) -> dict:
    import_for("sync", kind)
    baseline = rss_mb()
    symbols = [f"S{i:03d}/USDT" for i in range(SYNC_TARGETS)]
    targets = [SeriesKey("binance", s, "1m") for s in symbols]
    async with emulator_and_registry(SYNC_NOW_MS) as (emu, registry, settings), \
            open_backend(kind, location) as backend:  # fmt: skip
        for i, symbol in enumerate(symbols):
            emu.add_series("binance", symbol, seed=100 + i, base_price=100.0 + i, listing_ms=LISTING_MS)
        setup = _service(backend, registry, emu.clock, backfill_days=1)
        t0 = time.perf_counter()
        await _sync_all(setup, targets)
        setup_s = time.perf_counter() - t0
        emu.clock.advance(30 * 60)
        emu.reset_counts()
        # the timed run: a fresh service and registry, as a timer invocation on a new instance would have
        from shared.exchange import ExchangeRegistry

        fresh = ExchangeRegistry(settings, clock=emu.clock)
        try:
            service = _service(backend, fresh, emu.clock, backfill_days=1)
            t0 = time.perf_counter()
            results = await _sync_all(service, targets)
            elapsed = time.perf_counter() - t0
        finally:
            await fresh.aclose()
        return {
            "job": "sync", "backend": kind, "targets": len(results), "seconds": elapsed, "setup_s": setup_s,
            "klines": emu.request_count("binance", "ohlcv"), "all_requests": emu.request_count(),
            "by_endpoint": {ep: n for (_, ep), n in sorted(emu.counts.items())},
            "writes": sum(r.partition_writes for r in results),
            "max_requests": max(r.requests for r in results),
            "max_writes": max(r.partition_writes for r in results),
            "candles": sum(r.candles_added for r in results), "peak_mb": peak_mb(), "baseline_mb": baseline,
        }  # fmt: skip


async def _sync_all(service, targets: list[SeriesKey]) -> list:
    gate = asyncio.Semaphore(SYNC_CONCURRENCY)

    async def one(series: SeriesKey):
        async with gate:
            return await service.sync(series)

    return await asyncio.gather(*(one(t) for t in targets))


JOBS = {"cold": cold, "warm": warm, "copy": copy, "sync": sync}
