"""What every exchange plugin offers (``ExchangeClient``), and the small shared arithmetic.

``fetch_ohlcv`` yields ``OhlcvPage`` objects whose spans are contiguous and together cover
``[start_ms, min(end_ms, closed_boundary))``; a failed request raises and nothing after it is yielded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from shared.exchange.page import OhlcvPage

# Candles per request where ccxt's ``features[...]['fetchOHLCV']['limit']`` says nothing.
DOCUMENTED_PAGE_LIMITS: dict[str, int] = {
    "binance": 1000,
    "okx": 300,
    "bybit": 1000,
    "kraken": 720,
    "coinbase": 300,
    "cryptocom": 300,
}
FALLBACK_PAGE_LIMIT = 100


def closed_boundary(now_s: float, margin_s: float, tf_ms: int) -> int:
    """Start of the first candle that is not closed yet: candles with ``ts < boundary`` are closed.

    A candle is closed when ``ts + tf <= now - margin``, i.e. ``ts < floor((now - margin) / tf) * tf``.
    """
    cutoff_ms = int((now_s - margin_s) * 1000)
    return cutoff_ms - cutoff_ms % tf_ms


@runtime_checkable
class ExchangeClient(Protocol):
    exchange_id: str

    @property
    def requests_made(self) -> int:  # a plain attribute satisfies this too
        """Every HTTP request sent to the exchange by this plugin (retries included)."""
        ...

    async def ensure_market(self, symbol: str) -> None:
        """``CoinNotAvailableError`` unless the exchange lists ``symbol``."""
        ...

    async def ensure_timeframe(self, timeframe: str) -> None:
        """``UnsupportedTimeframeError`` unless the exchange serves candles of ``timeframe``."""
        ...

    async def page_limit(self) -> int:
        """Candles per request."""
        ...

    async def ping(self) -> None:
        """One cheap public call, no retry (health checks); the service's error when it fails."""
        ...

    def fetch_ohlcv(
        self, symbol: str, timeframe: str, start_ms: int, end_ms: int, *, history_known: bool = False
    ) -> AsyncIterator[OhlcvPage]:
        """Closed candles in ``[start_ms, end_ms)`` as contiguous proven pages, each as soon as it arrives.

        ``history_known``: the caller holds candles from before ``start_ms``, so an empty first slot is
        an exchange-side gap and no history probe is needed."""
        ...

    async def close(self) -> None: ...
