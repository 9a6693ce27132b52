"""Helpers for the fetcher tests."""

from __future__ import annotations

from shared.exchange.archive.binance import BinanceArchive
from shared.fetch.archive_fill import ArchiveFiller
from shared.fetch.service import CandleService
from shared.series import SeriesKey
from shared.store import CandleStore
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


def archive_service(backend, registry, emu, url: str, timeout_s: float) -> CandleService:
    """A service whose Binance archive is at ``url`` (the emulator's, or an unreachable one)."""
    filler = ArchiveFiller({"binance": BinanceArchive(url, timeout_s=timeout_s)}, clock=emu.clock)
    return CandleService(
        CandleStore(backend), registry, max_request_candles=2_000_000, closed_margin_seconds=0.0,
        clock=emu.clock, archives=filler,
    )  # fmt: skip
