"""The exchange emulator: an aiohttp server on 127.0.0.1 that unmodified ccxt talks to.

Python API (what tests and benches use)::

    emu = ExchangeEmulator(clock=FakeClock(now_s))       # or the ``exchange_emulator`` fixture
    await emu.start() ... await emu.stop()
    emu.add_series("binance", "BTC/USDT", seed=1, base_price=30_000, listing_ms=..., gaps=[(a, b)],
                   corrupt={ts: "high_below"}, latest_only=720)
    emu.clock.set_ms(...) / emu.clock.advance(seconds)   # "now" (the open candle follows it)
    emu.inject("binance", "status", count=2, status=503) # also timeout / malformed / rate_limit / ban
    emu.request_count("binance", "ohlcv"); emu.counts; emu.reset_counts()
    emu.busy_s                                           # seconds spent building answers
    emu.archive.fault("BTCUSDT-1m-2025-03.zip", "bad_checksum"); emu.archive.holes.add(ts)
    emu.archive_url                                      # -> BINANCE_ARCHIVE_URL (see archive.py)
    emu.ground_truth("binance", "BTC/USDT", "1m", start_ms, end_ms, now_ms=None)
    emu.exchange_options("binance", "okx")               # -> CcxtSettings.exchange_options

Dialects: ``binance`` (spot, see binance.py), ``okx`` (see okx.py) and ``cryptocom`` (Exchange v1,
see cryptocom.py), served under
``/<exchange_id>/...``; any other path answers 404 and is counted as endpoint ``"unknown"``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiohttp import web

from shared.timeframes import timeframe_ms
from tests.emulator import archive, binance, binance_private, cryptocom, okx, okx_private
from tests.emulator.accounts import PrivateBook
from tests.emulator.clock import FakeClock
from tests.emulator.faults import Fault, FaultPlan, matches
from tests.emulator.series import SyntheticSeries

DEFAULT_NOW_MS = 1_767_225_600_000 + 12 * 3_600_000 + 30_000  # 2026-01-01 12:00:30 UTC: mid-candle
DIALECTS = ("binance", "okx", "cryptocom")


class ExchangeEmulator:
    def __init__(self, clock: FakeClock | None = None, host: str = "127.0.0.1") -> None:
        self.clock = clock or FakeClock(DEFAULT_NOW_MS / 1000)
        self.host = host
        self.port = 0
        self.markets: dict[str, dict[str, SyntheticSeries]] = {d: {} for d in DIALECTS}
        self.faults = FaultPlan()
        self.private = PrivateBook()  # scripted accounts for the private endpoints (accounts.py)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.seen_headers: list[str] = []  # "name: value" of every request header (credential checks)
        self._weight: Counter[int] = Counter()
        self.archive = archive.ArchiveConfig()  # Binance's public archive under /archive (archive.py)
        self.archive_cache: dict[tuple, bytes] = {}
        self.busy_s = 0.0  # wall time spent building answers (the emulator's own work, no fault sleeps)
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.add_routes(
            binance.routes(self) + okx.routes(self) + cryptocom.routes(self) + archive.routes(self)
        )
        app.add_routes(binance_private.routes(self) + okx_private.routes(self))
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the port the OS picked

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def archive_url(self) -> str:
        return f"{self.base_url}/archive"

    # -- configuration -----------------------------------------------------------------------
    def add_series(self, exchange: str, symbol: str, **kwargs: Any) -> SyntheticSeries:
        series = self.markets[exchange][symbol] = SyntheticSeries(symbol, **kwargs)
        return series

    def prebuild_archive(self, symbol: str, interval: str, start_ms: int, end_ms: int) -> int:
        """Build the published archive files of a spot market ahead of a benchmark (archive.py)."""
        return archive.prebuild(self, symbol.replace("/", ""), interval, start_ms, end_ms)

    def series(self, exchange: str, symbol: str) -> SyntheticSeries:
        return self.markets[exchange][symbol]

    def inject(
        self, exchange: str, kind: str, *, count: int = 1, endpoint: str = "ohlcv", **kw: Any
    ) -> Fault:
        return self.faults.add(Fault(exchange, endpoint, kind, remaining=count, **kw))

    def request_count(self, exchange: str | None = None, endpoint: str | None = None) -> int:
        return sum(
            n
            for (ex, ep), n in self.counts.items()
            if (exchange is None or ex == exchange) and (endpoint is None or matches(endpoint, ep))
        )

    def reset_counts(self) -> None:
        self.counts.clear()

    def ground_truth(
        self, exchange: str, symbol: str, timeframe: str, start: int, end: int, now_ms: int | None = None
    ) -> list[list]:
        """Exactly the valid closed candles (``ts + tf <= now``) the exchange has in ``[start, end)``."""
        now = self.clock.now_ms if now_ms is None else now_ms
        return self.series(exchange, symbol).ground_truth(timeframe_ms(timeframe), start, end, now)

    def exchange_options(self, *exchange_ids: str, timeout_ms: int = 5000, rate_limit_ms: float = 1) -> dict:
        """``CcxtSettings.exchange_options`` pointing every API URL of these ccxt exchanges here."""
        return exchange_options(
            self.base_url, *exchange_ids, timeout_ms=timeout_ms, rate_limit_ms=rate_limit_ms
        )

    # -- serving -----------------------------------------------------------------------------
    def json(self, payload: Any, status: int = 200) -> web.Response:
        return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")

    async def serve(
        self,
        exchange: str,
        endpoint: str,
        request: web.Request,
        handler: Callable[[ExchangeEmulator, web.Request], web.Response],
        errors: dict[str, tuple[int, dict]],
        weight: int = 1,
    ) -> web.StreamResponse:
        self.counts[(exchange, endpoint)] += 1
        self.seen_headers += [f"{k}: {v}" for k, v in request.headers.items()] + [str(request.url)]
        minute = self.clock.now_ms // 60_000
        self._weight[minute] += weight
        headers = {"X-MBX-USED-WEIGHT-1M": str(self._weight[minute])} if exchange == "binance" else {}
        fault = self.faults.take(exchange, endpoint)
        if fault is not None and fault.kind != "timeout":
            if fault.kind == "malformed":
                return web.Response(text='{"code": 0, "data": [[1, 2', content_type="application/json")
            status, body = errors[fault.kind]
            if fault.kind == "status":
                status = fault.status
            body = fault.body if fault.body is not None else body
            if fault.retry_after is not None and fault.kind in ("rate_limit", "ban"):
                headers["Retry-After"] = f"{fault.retry_after:g}"
            return web.Response(body=orjson.dumps(body), status=status, headers=headers,
                                content_type="application/json")  # fmt: skip
        if fault is not None:  # timeout: hold the answer back until the client has given up
            await asyncio.sleep(fault.delay_s)
        t0 = time.perf_counter()
        response = handler(self, request)
        response.headers.update(headers)
        self.busy_s += time.perf_counter() - t0
        return response

    async def _unknown(self, request: web.Request) -> web.Response:
        self.counts[(request.path.split("/")[1] or "?", "unknown")] += 1
        return web.json_response({"code": -1, "msg": f"emulator: no route {request.path}"}, status=404)


def exchange_options(
    base_url: str, *exchange_ids: str, timeout_ms: int = 5000, rate_limit_ms: float = 1
) -> dict:
    """``CcxtSettings.exchange_options`` pointing every API URL of these ccxt exchanges at ``base_url``
    (an emulator, possibly in another process)."""
    import ccxt.async_support as ccxt

    def rewrite(urls: Any, ex_id: str) -> Any:
        if isinstance(urls, dict):
            return {k: rewrite(v, ex_id) for k, v in urls.items()}
        if isinstance(urls, str):
            return f"{base_url}/{ex_id}{urlsplit(urls).path}".rstrip("/")
        return urls

    out = {}
    for ex_id in exchange_ids or DIALECTS:
        exchange = getattr(ccxt, ex_id)({})
        out[ex_id] = {
            "urls": {"api": rewrite(exchange.urls["api"], ex_id)},
            "options": {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False},
            "has": {"fetchCurrencies": False},
            "timeout": timeout_ms,
            "rateLimit": rate_limit_ms,
            "timeout_on_exit": 0,  # plain-http loopback: no TLS shutdown to wait for
        }
    return out
