"""``CandleClient``: candles from the service, over Web PubSub (historical), HTTP (latest) and both
(``historical_df``: Parquet over HTTP where the range is stored or its fill is short, Web PubSub for a
long fill).

``historical()`` negotiates (``GET {base}/api/negotiate`` with the function key), connects with the
official ``azure-messaging-webpubsubclient`` whose credential negotiates again on every (re)connect,
sends ``request_historical`` and waits for the whole answer (``HistoricalAssembly``) or the timeout.
One call, one connection. The client is synchronous (the SDK's asyncio client runs in a private
thread); from async code call it through ``asyncio.to_thread``. The same client works against
Azure and against ``cbdata serve``: only ``base_url`` and the key differ.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from cbdata_client.arrow_chunks import arrow_support
from cbdata_client.assembly import HistoricalAssembly, ProgressHook
from cbdata_client.conversation import converse
from cbdata_client.errors import ServiceError
from cbdata_client.frames import (
    array_to_dataframe,
    parquet_support,
    parquet_to_dataframe,
    require_pandas,
    table_to_dataframe,
)
from cbdata_client.http import get_bytes, get_json

Time = int | str | datetime  # epoch ms, ISO-8601 (UTC when no offset), or a datetime (naive = UTC)


def epoch_ms(value: Time) -> int | str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    return value


class CandleClient:
    """``chunk_encoding``: how Web PubSub chunks come — ``"auto"`` (Arrow when pyarrow is installed,
    else JSON rows), ``"arrow"`` or ``"json"`` (docs/protocol.md, ``encoding``)."""

    def __init__(
        self, base_url: str, function_key: str, *, timeout: float = 120.0, chunk_encoding: str = "auto"
    ) -> None:
        if chunk_encoding not in ("auto", "arrow", "json"):
            raise ValueError("chunk_encoding must be 'auto', 'arrow' or 'json'")
        if chunk_encoding == "arrow" and not arrow_support():
            raise ImportError("chunk_encoding='arrow' needs pyarrow: pip install 'cbdata-client[pandas]'")
        self.base_url = base_url.rstrip("/")
        self._key = function_key
        self.timeout = timeout
        self.chunk_encoding = chunk_encoding

    def __repr__(self) -> str:  # never the key
        return f"CandleClient({self.base_url!r})"

    # -- HTTP ----------------------------------------------------------------------------------
    def negotiate(self) -> str:
        """A fresh client access URL (``wss://...?access_token=...``) for Web PubSub."""
        body = get_json(self.base_url, "/api/negotiate", self._key, min(self.timeout, 30.0))
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str):
            raise ServiceError("BAD_RESPONSE", "negotiate answered without a url")
        return url

    def latest(self, exchange: str | None, symbol: str, timeframe: str) -> int | None:
        """The open time (epoch ms) of the newest stored candle of the series, or ``None``."""
        params = {"symbol": symbol, "timeframe": timeframe} | ({"exchange": exchange} if exchange else {})
        body = get_json(self.base_url, "/api/ohlcv/latest", self._key, self.timeout, params)
        ts = body.get("timestamp") if isinstance(body, dict) else None
        return ts if isinstance(ts, int) else None

    # -- Web PubSub ----------------------------------------------------------------------------
    def _request(
        self,
        exchange: str | None,
        symbol: str,
        timeframe: str,
        start: Time,
        end: Time,
        request_id: str | None,
    ) -> dict[str, Any]:
        request = {"request_id": request_id or uuid.uuid4().hex, "symbol": symbol, "timeframe": timeframe,
                   "start": epoch_ms(start), "end": epoch_ms(end)}  # fmt: skip
        if exchange:
            request["exchange"] = exchange
        if self.chunk_encoding == "arrow" or (self.chunk_encoding == "auto" and arrow_support()):
            request["encoding"] = "arrow"  # one base64 Arrow stream per chunk: no JSON rows to decode
        return request

    def historical(
        self,
        exchange: str | None,
        symbol: str,
        timeframe: str,
        start: Time,
        end: Time,
        *,
        request_id: str | None = None,
        on_progress: ProgressHook | None = None,
    ) -> list[list[Any]]:
        """Every candle of ``[start, end)`` as rows ``[timestamp_ms, open, high, low, close, volume]``,
        exactly as the service sent them. ``on_progress(done, total)`` sees the progress messages."""
        request = self._request(exchange, symbol, timeframe, start, end, request_id)
        return self._assembled(request, on_progress).rows()

    def _assembled(self, request: dict[str, Any], on_progress: ProgressHook | None) -> HistoricalAssembly:
        assembly = HistoricalAssembly(str(request["request_id"]), on_progress)
        converse(request, assembly, self.negotiate, self.timeout)
        return assembly

    def historical_df(self, exchange: str | None, symbol: str, timeframe: str, start: Time, end: Time,
                      *, transport: str = "auto", request_id: str | None = None,
                      on_progress: ProgressHook | None = None) -> Any:  # fmt: skip
        """Every candle of ``[start, end)`` as a pandas DataFrame: UTC ``DatetimeIndex`` named
        ``timestamp``, float columns open, high, low, close, volume (the ``pandas`` extra).

        ``transport="auto"`` asks for one Parquet file over HTTP first (the fastest when the range
        is stored: no JSON either way); when the service answers ``RANGE_TOO_LARGE`` (the range
        needs a fill longer than HTTP answers, or is over its Parquet limit) it streams the range
        over Web PubSub instead. ``"http"`` or ``"webpubsub"`` force one way."""
        if transport not in ("auto", "http", "webpubsub"):
            raise ValueError("transport must be 'auto', 'http' or 'webpubsub'")
        require_pandas()  # before any network call
        if transport != "webpubsub" and parquet_support():
            try:
                return parquet_to_dataframe(self.parquet(exchange, symbol, timeframe, start, end))
            except ServiceError as exc:
                if transport == "http" or exc.code != "RANGE_TOO_LARGE":
                    raise
        request = self._request(exchange, symbol, timeframe, start, end, request_id)
        assembly = self._assembled(request, on_progress)
        return (
            table_to_dataframe(assembly.table()) if assembly.arrow else array_to_dataframe(assembly.array())
        )

    def parquet(self, exchange: str | None, symbol: str, timeframe: str, start: Time, end: Time) -> bytes:
        """The range as the bytes of one Parquet file (``GET /api/ohlcv?format=parquet``)."""
        params = {"symbol": symbol, "timeframe": timeframe, "start": epoch_ms(start), "end": epoch_ms(end),
                  "format": "parquet"} | ({"exchange": exchange} if exchange else {})  # fmt: skip
        return get_bytes(self.base_url, "/api/ohlcv", self._key, self.timeout, params)
