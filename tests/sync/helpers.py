"""Helpers for the sync tests (also used by tests/api/test_targets_http.py)."""

from __future__ import annotations

import asyncio
from collections import Counter

from shared.errors import ConflictError
from shared.fetch.service import CandleService, SyncResult
from shared.series import SeriesKey
from shared.storage.backend import StorageBackend
from shared.store import CandleStore
from tests.emulator.fixtures import LISTING_MS

HOUR = 3_600_000
BTC = SeriesKey("binance", "BTC/USDT", "1h")
ETH = SeriesKey("binance", "ETH/USDT", "1h")
OKX_BTC = SeriesKey("okx", "BTC/USDT", "1h")
UNLISTED = SeriesKey("binance", "DOGE/USDT", "1h")  # the emulator does not list it: COIN_NOT_AVAILABLE
BACKFILL_DAYS = 3


def candle_service(backend: StorageBackend, registry, emu) -> CandleService:
    return CandleService(
        CandleStore(backend),
        registry,
        closed_margin_seconds=0.0,
        backfill_days=BACKFILL_DAYS,
        clock=emu.clock,
    )


def add_markets(emu, exchange: str, symbols: list[str]) -> list[SeriesKey]:
    for i, symbol in enumerate(symbols):
        emu.add_series(exchange, symbol, seed=100 + i, base_price=10.0 + i, listing_ms=LISTING_MS)
    return [SeriesKey(exchange, s, "1h") for s in symbols]


def expected_candles(emu, series: SeriesKey) -> int:
    """Candles a first sync adds: from the backfill start to the last closed candle."""
    now = emu.clock.now_ms
    start = now - BACKFILL_DAYS * 86_400_000
    start -= start % series.tf_ms
    return len(emu.ground_truth(series.exchange, series.symbol, series.timeframe, start, now))


class InFlight:
    """A ``Syncer`` around the real CandleService that counts concurrent syncs per exchange and can
    make chosen targets fail with a given exception."""

    def __init__(self, inner: CandleService, fail: dict[SeriesKey, BaseException] | None = None) -> None:
        self.inner = inner
        self.fail = fail or {}
        self.now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.total = self.peak_total = 0
        self.calls: list[SeriesKey] = []

    async def sync(self, series: SeriesKey) -> SyncResult:
        self.calls.append(series)
        self.now[series.exchange] += 1
        self.total += 1
        self.peak[series.exchange] = max(self.peak[series.exchange], self.now[series.exchange])
        self.peak_total = max(self.peak_total, self.total)
        try:
            await asyncio.sleep(0)  # let every other task that may start do so
            if series in self.fail:
                raise self.fail[series]
            return await self.inner.sync(series)
        finally:
            self.now[series.exchange] -= 1
            self.total -= 1


class CountingBackend:
    """A real backend that counts writes per key, and can refuse writes to chosen keys."""

    def __init__(self, inner: StorageBackend, conflict_keys: tuple[str, ...] = ()) -> None:
        self.inner = inner
        self.name = inner.name
        self.writes: Counter[str] = Counter()
        self.conflict_keys = conflict_keys

    async def read(self, key, **kw):
        return await self.inner.read(key, **kw)

    async def write(self, key, data, **kw):
        self.writes[key] += 1
        if key in self.conflict_keys:
            raise ConflictError(f"{key}: the condition did not hold")
        return await self.inner.write(key, data, **kw)

    async def list(self, prefix):
        return await self.inner.list(prefix)

    async def delete(self, key, **kw):
        return await self.inner.delete(key, **kw)

    async def ping(self):
        await self.inner.ping()

    async def close(self):
        await self.inner.close()
