"""The ccxt exchange plugin (the registry's fallback): any ccxt exchange id, through ``ccxt.async_support``.

One ccxt instance per plugin, held by its ``CcxtConnector`` (``connector.py``: ccxt is imported only
when the plugin first talks to its exchange, every call is retried and its errors mapped), reused for
every call (one rate limiter, one markets cache); ``close()`` releases its HTTP session.
``requests_made`` counts every HTTP request the instance sent (markets included, retries included);
``ohlcv_requests`` counts the candle requests alone.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from shared.errors import CoinNotAvailableError, UnsupportedTimeframeError
from shared.exchange.ccxt.config import ccxt_config, secrets_of
from shared.exchange.ccxt.connector import CcxtConnector, retry_policy
from shared.exchange.ccxt.errors import MalformedResponse
from shared.exchange.client import DOCUMENTED_PAGE_LIMITS, FALLBACK_PAGE_LIMIT, closed_boundary
from shared.exchange.markets import MarketCache
from shared.exchange.page import OhlcvPage
from shared.exchange.paging import iterate_pages
from shared.series import validate_symbol
from shared.settings import CcxtSettings
from shared.timeframes import timeframe_ms

T = TypeVar("T")


class CcxtExchangeClient:
    def __init__(
        self,
        exchange_id: str,
        settings: CcxtSettings,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.exchange_id = exchange_id
        self.ohlcv_requests = 0
        self.connector = CcxtConnector(
            exchange_id,
            ccxt_config(settings, exchange_id),
            retry_policy(settings),
            secrets=secrets_of(settings, exchange_id),
            sleep=sleep,
            rng=rng,
        )
        self._margin_s = settings.closed_candle_margin_seconds
        self._max_inflight = settings.max_inflight
        self._clock = clock
        self._markets = MarketCache(self._load_markets, settings.markets_ttl_seconds, clock)

    @property
    def requests_made(self) -> int:
        return self.connector.requests_made

    async def _ccxt(self) -> Any:
        return await self.connector.instance()

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        return await self.connector.run(call)

    async def _load_markets(self, reload: bool) -> dict[str, Any]:
        exchange = await self._ccxt()
        return await self._call(lambda: exchange.load_markets(reload))

    async def ensure_market(self, symbol: str) -> None:
        validate_symbol(symbol)
        if symbol not in await self._markets.get():
            raise CoinNotAvailableError(
                f"{symbol!r} is not listed on {self.exchange_id}", exchange=self.exchange_id, symbol=symbol
            )

    async def ensure_timeframe(self, timeframe: str) -> None:
        timeframe_ms(timeframe)  # only fixed-length timeframes are served at all
        supported = (await self._ccxt()).timeframes or {}
        if timeframe not in supported:
            raise UnsupportedTimeframeError(
                f"{self.exchange_id} has no {timeframe!r} candles; it has: {', '.join(supported)}",
                exchange=self.exchange_id,
            )

    async def ping(self) -> None:
        exchange = await self._ccxt()
        if (exchange.has or {}).get("fetchTime"):
            await self.connector.once(exchange.fetch_time)
        else:
            await self.connector.once(lambda: exchange.load_markets(True))

    async def page_limit(self) -> int:
        features = (await self._ccxt()).features or {}
        limit = ((features.get("spot") or {}).get("fetchOHLCV") or {}).get("limit")
        if isinstance(limit, int) and limit > 0:
            return limit
        return DOCUMENTED_PAGE_LIMITS.get(self.exchange_id, FALLBACK_PAGE_LIMIT)

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, start_ms: int, end_ms: int, *, history_known: bool = False
    ) -> AsyncIterator[OhlcvPage]:
        tf_ms = timeframe_ms(timeframe)
        await self.ensure_timeframe(timeframe)
        await self.ensure_market(symbol)
        limit = await self.page_limit()
        exchange = await self._ccxt()
        stop_ms = min(end_ms, closed_boundary(self._clock(), self._margin_s, tf_ms))

        async def fetch(since: int, until: int, count: int) -> list[Any]:
            async def once() -> list[Any]:
                self.ohlcv_requests += 1
                rows = await exchange.fetch_ohlcv(symbol, timeframe, since, count, {"until": until})
                if not isinstance(rows, list):
                    raise MalformedResponse(f"candles came back as {type(rows).__name__}, not a list")
                return rows

            return await self._call(once)

        what = f"{self.exchange_id} {symbol} {timeframe}"
        async for page in iterate_pages(
            fetch,
            start_ms=start_ms,
            stop_ms=stop_ms,
            tf_ms=tf_ms,
            limit=limit,
            what=what,
            history_known=history_known,
            max_inflight=self._max_inflight,
        ):
            yield page

    async def close(self) -> None:
        await self.connector.close()
