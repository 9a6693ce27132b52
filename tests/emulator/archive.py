"""Binance's public kline archive (data.binance.vision) served from the same ground truth as REST.

``GET /archive/data/{spot|futures/um}/{monthly|daily}/klines/{SYMBOL}/{interval}/{name}.zip`` and
``.../{name}.zip.CHECKSUM`` (``<sha256>  <name>``). A zip holds one CSV of Binance's 12 columns with
the closed candles the exchange has in the period (gaps respected, corrupt REST rows served clean,
``holes`` left out); spot open/close times are in microseconds for periods from 2025-01-01.
Publication: a daily file exists ``daily_lag_hours`` after its day ends, a monthly one
``monthly_lag_hours`` after the first Monday of the next month; earlier (or before the listing) 404.
Faults by file name (persistent): ``missing`` (404), ``bad_checksum``, ``truncated`` (a cut zip whose
CHECKSUM matches the cut bytes, as if published broken), ``slow`` (held back ``slow_s``).
Counted as ``("archive", "monthly" | "daily" | "checksum")``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from aiohttp import web

from shared.exchange.archive.source import DAY_MS, first_monday_after, month_start, next_month
from tests.emulator import candles
from tests.emulator.binance import INTERVALS
from tests.emulator.candles import round_exact

if TYPE_CHECKING:
    from tests.emulator.server import ExchangeEmulator

MICROSECONDS_FROM = 1_735_689_600_000  # 2025-01-01: spot archives switch to microseconds
FAULT_KINDS = ("missing", "bad_checksum", "truncated", "slow")
_PATH = re.compile(
    r"^data/(spot|futures/um)/(monthly|daily)/klines/([A-Z0-9]+)/(\w+)/"
    r"\3-\4-(\d{4})-(\d{2})(?:-(\d{2}))?\.zip(\.CHECKSUM)?$"
)


@dataclass
class ArchiveConfig:
    daily_lag_hours: float = 4.0
    monthly_lag_hours: float = 4.0
    holes: set[int] = field(default_factory=set)  # open times left out of the files (archive holes)
    faults: dict[str, str] = field(default_factory=dict)  # file name -> kind
    slow_s: float = 1.0
    header: bool | None = None  # None: futures files with a header row, spot files without

    def fault(self, name: str, kind: str) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown archive fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        self.faults[name] = kind


def _ms(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, tzinfo=UTC).timestamp() * 1000)


def build_zip(emu: ExchangeEmulator, market: str, symbol_id: str, interval: str, start: int, end: int,
              name: str) -> bytes | None:  # fmt: skip
    """The zip of one period, or ``None`` when the market is not listed then."""

    def archived_as(symbol: str) -> tuple[str, str]:  # spot "BTC/USDT", USD-M "BTC/USDT:USDT"
        pair, _, settle = symbol.partition(":")
        return ("futures/um" if settle else "spot"), pair.replace("/", "")

    symbol = next((s for s in emu.markets["binance"] if archived_as(s) == (market, symbol_id)), None)
    if symbol is None:
        return None
    series = emu.markets["binance"][symbol]
    tf = INTERVALS[interval]
    if end <= series.listing_ms:
        return None
    ts = series.slot_array(tf, start, end - 1, emu.clock.now_ms - tf, None)
    ts = ts[~np.isin(ts, list(emu.archive.holes))] if emu.archive.holes else ts
    values = candles.closed_candles(series.seed, series.base_price, series.decimals, tf, ts)
    unit = 1000 if market == "spot" and start >= MICROSECONDS_FROM else 1
    o, h, lo, c, v = (values[:, i] for i in range(5))
    table = pa.table({
        "open_time": ts * unit, "open": o, "high": h, "low": lo, "close": c, "volume": v,
        "close_time": (ts + tf - 1) * unit, "quote_volume": round_exact(v * c, 2),
        "count": np.full(len(ts), 100), "taker_buy_volume": v / 2,
        "taker_buy_quote_volume": round_exact(v * c / 2, 2), "ignore": np.zeros(len(ts), dtype=np.int64),
    })  # fmt: skip
    header = emu.archive.header if emu.archive.header is not None else market != "spot"
    csv = io.BytesIO()
    pacsv.write_csv(table, csv, pacsv.WriteOptions(include_header=header, quoting_style="none"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(name.replace(".zip", ".csv"), csv.getvalue())
    return out.getvalue()


def published(emu: ExchangeEmulator, start: int, end: int, monthly: bool) -> bool:
    now = emu.clock.now_ms
    if monthly:
        return now >= first_monday_after(end) + emu.archive.monthly_lag_hours * 3_600_000
    return now >= end + emu.archive.daily_lag_hours * 3_600_000


def file_bytes(emu: ExchangeEmulator, market: str, symbol_id: str, interval: str, start: int, monthly: bool
               ) -> bytes | None:  # fmt: skip
    """The zip of one period (built once per emulated day, then served from the cache)."""
    end = next_month(start) if monthly else start + DAY_MS
    stamp = datetime.fromtimestamp(start / 1000, tz=UTC).strftime("%Y-%m" if monthly else "%Y-%m-%d")
    name = f"{symbol_id}-{interval}-{stamp}.zip"
    key = (market, name, emu.clock.now_ms // DAY_MS)
    data = emu.archive_cache.get(key)
    if data is None:
        data = build_zip(emu, market, symbol_id, interval, start, end, name)
        if data is not None:
            emu.archive_cache[key] = data
    return data


def prebuild(emu: ExchangeEmulator, symbol_id: str, interval: str, start: int, end: int) -> int:
    """Build every published spot file of ``[start, end)`` ahead of a benchmark: the real archive is a
    CDN of static files, so serving should cost the emulator no more than sending bytes."""
    built = 0
    day = start - start % DAY_MS
    while day < end:
        month = month_start(day)
        if published(emu, month, next_month(month), True) and day == month:
            built += file_bytes(emu, "spot", symbol_id, interval, month, True) is not None
            day = next_month(month)
            continue
        if published(emu, day, day + DAY_MS, False):
            built += file_bytes(emu, "spot", symbol_id, interval, day, False) is not None
        day += DAY_MS
    return built


async def serve(emu: ExchangeEmulator, request: web.Request) -> web.StreamResponse:
    match = _PATH.match(request.match_info["tail"])
    if match is None:
        emu.counts[("archive", "unknown")] += 1
        return web.Response(status=404, text="NoSuchKey")
    market, period, symbol_id, interval, y, m, d, checksum = match.groups()
    monthly = period == "monthly"
    name = f"{symbol_id}-{interval}-{y}-{m}{'' if monthly else '-' + str(d)}.zip"
    emu.counts[("archive", "checksum" if checksum else period)] += 1
    start = _ms(int(y), int(m), 1 if monthly else int(d))
    end = next_month(start) if monthly else start + DAY_MS
    kind = emu.archive.faults.get(name)
    if kind == "slow":
        await asyncio.sleep(emu.archive.slow_s)
    t0 = time.perf_counter()
    try:
        if kind == "missing" or interval not in INTERVALS or not published(emu, start, end, monthly):
            return web.Response(status=404, text="NoSuchKey")
        data = file_bytes(emu, market, symbol_id, interval, start, monthly)
        if data is None:
            return web.Response(status=404, text="NoSuchKey")
        if kind == "truncated":
            data = data[: len(data) // 2]
        if checksum:
            digest = hashlib.sha256(data).hexdigest()
            if kind == "bad_checksum":
                digest = hashlib.sha256(data + b"x").hexdigest()
            return web.Response(text=f"{digest}  {name}\n")
        return web.Response(body=data, content_type="application/zip")
    finally:
        emu.busy_s += time.perf_counter() - t0


def routes(emu: ExchangeEmulator) -> list[web.RouteDef]:
    async def handle(request: web.Request) -> web.StreamResponse:
        return await serve(emu, request)

    return [web.get("/archive/{tail:.*}", handle)]
