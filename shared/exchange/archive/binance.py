"""Binance's public kline archive (data.binance.vision, layout of binance/binance-public-data).

Paths: ``data/spot/{monthly|daily}/klines/{SYMBOL}/{interval}/{SYMBOL}-{interval}-{YYYY-MM[-DD]}.zip``
for spot markets (``BTC/USDT``) and ``data/futures/um/...`` for USDⓈ-M perpetuals (``BTC/USDT:USDT``);
each zip has a ``.CHECKSUM`` beside it (``<sha256>  <file name>``), asked for with the zip and
verified before the zip is opened (``kline_zip.py`` reads it). Open times are milliseconds, except
spot files dated 2025-01-01 or later, which are in microseconds (binance-public-data #386/#387): the
unit is chosen by that documented date rule, never guessed from the numbers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp

from shared.exchange.archive.kline_zip import verified_rows
from shared.exchange.archive.source import (
    DAY_MS,
    ArchiveCorrupt,
    ArchiveError,
    ArchiveFile,
    ArchiveMissing,
    ArchiveRows,
    ArchiveUnreachable,
    PublicationLag,
    periods,
)
from shared.intervals import Interval
from shared.timeframes import timeframe_ms

log = logging.getLogger(__name__)
DEFAULT_URL = "https://data.binance.vision"
SPOT_MICROSECONDS_FROM = 1_735_689_600_000  # 2025-01-01T00:00:00Z
INTERVALS = ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")


def market_path(symbol: str) -> tuple[str, str] | None:
    """``("spot" | "futures/um", "BTCUSDT")`` for a ccxt symbol, or ``None`` when not archived here."""
    base_quote, _, settle = symbol.partition(":")
    base, _, quote = base_quote.partition("/")
    if not base or not quote:
        return None
    if not settle:
        return "spot", base + quote
    if settle == quote and "-" not in settle:  # linear perpetual (BTC/USDT:USDT); dated ones have -YYMMDD
        return "futures/um", base + quote
    return None


# files parsed at once (CPU work, one thread each): as fast as four on two cores, and each parse
# holds ~25 MB while it runs (the zip, its CSV text, the columns and their checked copies)
PARSERS = 2


class BinanceArchive:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        proxy: str | None = None,
        timeout_s: float = 60.0,
        lag: PublicationLag | None = None,
        parsers: int = PARSERS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._parsing = asyncio.Semaphore(parsers)
        self._proxy = proxy
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._lag = lag or PublicationLag()
        self._session: aiohttp.ClientSession | None = None
        self.requests_made = 0

    def supports(self, symbol: str, timeframe: str) -> bool:
        return timeframe in INTERVALS and market_path(symbol) is not None

    def _file(self, symbol: str, timeframe: str, start: int, end: int, monthly: bool) -> ArchiveFile:
        market, sym = market_path(symbol) or ("", "")
        day = datetime.fromtimestamp(start / 1000, tz=UTC)
        stamp = day.strftime("%Y-%m" if monthly else "%Y-%m-%d")
        name = f"{sym}-{timeframe}-{stamp}.zip"
        period = "monthly" if monthly else "daily"
        url = f"{self.base_url}/data/{market}/{period}/klines/{sym}/{timeframe}/{name}"
        return ArchiveFile(name, url, start, end, monthly)

    def plan(self, symbol: str, timeframe: str, missing: list[Interval], now_ms: int) -> list[ArchiveFile]:
        return [self._file(symbol, timeframe, *p) for p in periods(missing, now_ms, self._lag)]

    def days_of(self, file: ArchiveFile, symbol: str, timeframe: str) -> list[ArchiveFile]:
        return [
            self._file(symbol, timeframe, d, d + DAY_MS, False)
            for d in range(file.start_ms, file.end_ms, DAY_MS)
        ]

    async def _get(self, url: str, name: str) -> bytes:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        self.requests_made += 1
        try:
            async with self._session.get(url, proxy=self._proxy) as response:
                if response.status == 404:
                    raise ArchiveMissing(name, "not published (404)")
                if response.status != 200:
                    raise ArchiveCorrupt(name, f"HTTP {response.status}")
                return await response.read()
        except aiohttp.ClientConnectorError as exc:
            raise ArchiveUnreachable(name, f"archive host unreachable ({type(exc).__name__})") from None
        except TimeoutError:
            raise ArchiveError(name, "download timed out") from None
        except aiohttp.ClientError as exc:
            raise ArchiveCorrupt(name, f"download failed ({type(exc).__name__})") from None

    async def fetch(self, file: ArchiveFile, symbol: str, timeframe: str) -> ArchiveRows:
        # the CHECKSUM and the zip are asked for together: one round trip per file, not two in a row
        checksum = asyncio.ensure_future(self._get(file.url + ".CHECKSUM", file.name + ".CHECKSUM"))
        try:
            data = await self._get(file.url, file.name)
            expected = await checksum
        finally:
            _forget(checksum)
        spot = "/data/spot/" in file.url
        microseconds = spot and file.start_ms >= SPOT_MICROSECONDS_FROM  # the documented date rule
        async with self._parsing:
            return await asyncio.to_thread(
                verified_rows, data, expected, file, timeframe_ms(timeframe), microseconds
            )

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _forget(task: asyncio.Future[bytes]) -> None:
    """Cancel ``task`` if it still runs (the other request failed first, and says why)."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()  # retrieved: its failure, if any, is not news


def proxy_from(options: dict[str, Any]) -> str | None:
    """The HTTP(S) proxy of a ccxt-style config (``httpsProxy``, ``httpProxy``, ``aiohttp_proxy``)."""
    for key in ("httpsProxy", "https_proxy", "httpProxy", "http_proxy", "aiohttp_proxy"):
        value = options.get(key)
        if isinstance(value, str) and value:
            return value
    if options.get("socksProxy") or options.get("socks_proxy"):
        log.warning("the archive download does not support socks proxies; it goes direct")
    return None
