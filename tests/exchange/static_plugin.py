"""A minimal non-ccxt exchange plugin: one symbol, candles computed from their timestamp, no network.

It shows what a new exchange source needs: a factory ``(exchange_id, PluginContext) -> ExchangeClient``
and the ``ExchangeClient`` methods; the registry finds it through ``add_plugin`` or the
``cbdata.exchanges`` entry point (see test_plugins.py) without any edit to shared/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from shared.errors import CoinNotAvailableError, UnsupportedTimeframeError
from shared.exchange import OhlcvPage, PluginContext, closed_boundary
from shared.timeframes import timeframe_ms

SYMBOL = "ONE/USD"
TIMEFRAMES = ("1m", "1h")
PAGE = 500


def candle(ts: int) -> list:
    price = 100.0 + (ts // 60_000) % 10
    return [ts, price, price + 1.0, price - 1.0, price + 0.5, 2.0]


class StaticFeed:
    def __init__(self, exchange_id: str, context: PluginContext) -> None:
        self.exchange_id = exchange_id
        self.requests_made = 0
        self.closed = False
        self._clock = context.clock

    async def ensure_market(self, symbol: str) -> None:
        if symbol != SYMBOL:
            raise CoinNotAvailableError(f"{symbol!r} is not listed on {self.exchange_id}")

    async def ensure_timeframe(self, timeframe: str) -> None:
        if timeframe not in TIMEFRAMES:
            raise UnsupportedTimeframeError(f"{self.exchange_id} serves {', '.join(TIMEFRAMES)}")

    async def page_limit(self) -> int:
        return PAGE

    async def ping(self) -> None:
        return None  # no network: always reachable (the health check's one cheap call)

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, start_ms: int, end_ms: int, *, history_known: bool = False
    ) -> AsyncIterator[OhlcvPage]:
        await self.ensure_market(symbol)
        tf = timeframe_ms(timeframe)
        stop = min(end_ms, closed_boundary(self._clock(), 0.0, tf))
        cursor = start_ms
        while cursor < stop:
            page_end = min(stop, cursor + PAGE * tf)
            self.requests_made += 1
            yield OhlcvPage(cursor, page_end, [candle(ts) for ts in range(cursor, page_end, tf)])
            cursor = page_end

    async def close(self) -> None:
        self.closed = True


def create(exchange_id: str, context: PluginContext) -> StaticFeed:
    """The plugin factory (what the entry point names)."""
    return StaticFeed(exchange_id, context)
