"""HTTP handlers: ``GET /api/ohlcv``, ``/api/ohlcv/latest`` and ``/api/catalog`` over plain data.

Each returns an ``HttpResult`` (status, body bytes, content type, headers); ``function_app.py`` turns
it into an ``azure.functions.HttpResponse``. Errors answer ``{"error": {"code", "message"}}`` with the
error's HTTP status.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson
import pyarrow as pa

from shared.api.encoding import CSV_HEADER, csv_rows, json_rows, ohlcv_json_body
from shared.api.parquet_export import CONTENT_TYPE as PARQUET
from shared.api.parquet_export import ParquetExport
from shared.api.requests import parse_current, parse_historical
from shared.errors import InvalidRequestError, RangeTooLargeError, public_view
from shared.logging_config import log_context
from shared.series import SeriesKey
from shared.telemetry import metrics
from shared.timeframes import candle_count

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

log = logging.getLogger(__name__)
JSON = "application/json"
CSV = "text/csv; charset=utf-8"


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_result(body: object, status: int = 200) -> HttpResult:
    return HttpResult(status, orjson.dumps(body), JSON)


def error_result(err: BaseException) -> HttpResult:
    """The client-safe answer for any exception (unexpected ones become a generic 500)."""
    code, message, status = public_view(err)
    metrics.error(code, "http")
    if code == "INTERNAL_ERROR":  # the client sees a generic message: the details go to the log
        log.error("error answering an HTTP request", exc_info=err)
    return json_result({"error": {"code": code, "message": message}}, status)


async def get_ohlcv(services: Services, params: Mapping[str, str]) -> HttpResult:
    """``GET /api/ohlcv``: the candles of [start, end) as JSON or CSV (at most HTTP_MAX_CANDLES), or as
    one Parquet file (at most MAX_REQUEST_CANDLES when stored, HTTP_MAX_CANDLES when it needs a fill)."""
    try:
        fields = _fields(params)
        fmt = fields.pop("format", "json")
        if fmt not in ("json", "csv", "parquet"):
            raise InvalidRequestError(f"format must be json, csv or parquet (got {str(fmt)[:20]!r})")
        request = parse_historical(fields, max_bytes=services.settings.request_max_bytes)
        series = request.series(services.settings.ccxt.default_exchange)
        with log_context(exchange=series.exchange, symbol=series.symbol, timeframe=series.timeframe):
            if fmt == "parquet":
                return await ohlcv_parquet(services, series, request.start, request.end)
            _check_http_size(services, series, request.start, request.end)
            started = time.monotonic()
            stream = await services.candles.open(series, request.start, request.end)
            encode = csv_rows if fmt == "csv" else json_rows
            fragments, count = [], 0
            # aclosing: a failure here stops the download behind the stream at once
            async with aclosing(stream.batches()) as batches:
                async for batch in batches:  # encoded batch by batch: few Python rows alive
                    fragments.append(encode(batch))
                    count += batch.num_rows
            log.info("ohlcv: %d candles as %s", count, fmt)
            metrics.served(series, count, time.monotonic() - started, "http")
    except Exception as exc:
        return error_result(exc)
    if fmt == "csv":
        return HttpResult(200, CSV_HEADER + b"".join(fragments), CSV)
    header = {**_series(series), "start": stream.start, "end": stream.end}
    return HttpResult(200, ohlcv_json_body(header, fragments), JSON)


async def get_latest(services: Services, params: Mapping[str, str]) -> HttpResult:
    """``GET /api/ohlcv/latest``: the newest stored candle's timestamp, or null."""
    try:
        request = parse_current(_fields(params), max_bytes=services.settings.request_max_bytes)
        series = request.series(services.settings.ccxt.default_exchange)
        ts = await services.candles.latest_timestamp(series)
    except Exception as exc:
        return error_result(exc)
    return json_result({**_series(series), "timestamp": ts})


async def get_catalog(services: Services) -> HttpResult:
    """``GET /api/catalog``: every stored series with its first and last timestamps and count."""
    try:
        infos = await services.candles.catalog()
    except Exception as exc:
        return error_result(exc)
    entries = [{**_series(i.series), "first": i.first_ts, "last": i.last_ts, "count": i.count} for i in infos]
    return json_result({"series": entries})


def _fields(params: Mapping[str, str]) -> dict[str, str]:
    # ``code`` carries the function key when it is passed in the query string: not a request field.
    return {k: v for k, v in params.items() if k != "code"}


def _check_http_size(
    services: Services, series: SeriesKey, start: int, end: int, *, fill: bool = False
) -> None:
    limit = services.settings.http_max_candles
    candles = candle_count(start, end, series.tf_ms)
    if candles > limit:
        what = "is not all stored yet and holds" if fill else "holds"
        answers = "fills" if fill else "answers"
        raise RangeTooLargeError(
            f"the range {what} {candles:,} {series.timeframe} candles; HTTP {answers} at most {limit:,}: "
            "use a shorter range or stream it over Web PubSub (event request_historical; docs/protocol.md)"
        )


async def ohlcv_parquet(services: Services, series: SeriesKey, start: int, end: int) -> HttpResult:
    """The range as one Parquet file, encoded batch by batch from the store's Arrow tables (no Python
    rows). A stored range may be as long as MAX_REQUEST_CANDLES; one that needs a fill from the
    exchange is held to HTTP_MAX_CANDLES like JSON (a long fill belongs on Web PubSub)."""
    candles = services.candles
    if candles.check_request(series, start, end) > services.settings.http_max_candles:  # MAX_REQUEST_...
        served_end = max(start, min(end, candles.closed_end(series)))
        if await candles.store.missing(series, start, served_end):  # before any exchange call
            _check_http_size(services, series, start, end, fill=True)
    started = time.monotonic()
    stream = await candles.open(series, start, end)
    header = {**_series(series), "start": stream.start, "end": stream.end}
    sink = pa.BufferOutputStream()
    export = ParquetExport(sink, header)
    rows = 0
    async with aclosing(stream.batches()) as batches:
        async for batch in batches:
            await asyncio.to_thread(export.write, batch)
            rows += batch.num_rows
    await asyncio.to_thread(export.close)
    log.info("ohlcv: %d candles as parquet", rows)
    metrics.served(series, rows, time.monotonic() - started, "http")
    return HttpResult(200, sink.getvalue().to_pybytes(), PARQUET)


def _series(series: SeriesKey) -> dict[str, str]:
    return {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe}
