"""Helpers for the fetcher tests."""

from __future__ import annotations

from shared.fetch.service import CandleService
from shared.series import SeriesKey
from tests.emulator.server import DEFAULT_NOW_MS

MIN = 60_000
NOW_SLOT = DEFAULT_NOW_MS - DEFAULT_NOW_MS % MIN  # the open candle's slot at the fixture's "now"
BTC = SeriesKey("binance", "BTC/USDT", "1m")
LIMIT = 1000  # the emulator's (and Binance's) klines limit


async def fetch_rows(
    service: CandleService, series: SeriesKey, start: int, end: int, progress=None
) -> list[list]:
    stream = await service.open(series, start, end)
    rows: list[list] = []
    async for batch in stream.batches(progress):
        rows.extend(list(r.values()) for r in batch.to_pylist())
    return rows


def klines(emu) -> int:
    return emu.request_count("binance", "ohlcv")
