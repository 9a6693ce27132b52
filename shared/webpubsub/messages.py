"""The messages the service sends to a Web PubSub client, as plain dicts (see docs/protocol.md).

``error`` is the one place an exception becomes something a client sees: errors with a public code
keep their code and message; anything else becomes ``INTERNAL_ERROR`` with a generic message (never
a traceback, a class name or a secret).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.errors import ConflictError, DataServiceError
from shared.series import SeriesKey

PUBLIC_CODES = frozenset(
    {
        "INVALID_REQUEST",
        "UNKNOWN_EXCHANGE",
        "COIN_NOT_AVAILABLE",
        "UNSUPPORTED_TIMEFRAME",
        "RANGE_TOO_LARGE",
        "HISTORY_NOT_AVAILABLE",
        "EXCHANGE_ERROR",
        "EXCHANGE_RATE_LIMITED",
        "STORAGE_ERROR",
        "INTERNAL_ERROR",
    }
)
INTERNAL_MESSAGE = "the service failed unexpectedly; try again later"
COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


def public_error(err: BaseException) -> tuple[str, str, int]:
    """``(code, message, http_status)`` safe to show a client."""
    if isinstance(err, ConflictError):  # a lost write race that outlived its retries
        return "STORAGE_ERROR", "storage is busy; try again", 503
    if isinstance(err, DataServiceError) and err.code in PUBLIC_CODES and err.code != "INTERNAL_ERROR":
        return err.code, err.message, err.http_status
    return "INTERNAL_ERROR", INTERNAL_MESSAGE, 500


def progress(request_id: str | None, done: int, total: int) -> dict[str, Any]:
    return {"type": "historical_data_progress", "request_id": request_id, "done": done, "total": total}


def chunk(request_id: str | None, seq: int, data: Sequence[Sequence[Any]]) -> dict[str, Any]:
    return {"type": "historical_data_chunk", "request_id": request_id, "seq": seq, "data": data}


def complete(
    request_id: str | None, series: SeriesKey, start: int, end: int, count: int, chunks: int
) -> dict[str, Any]:
    return {
        "type": "historical_data_complete",
        "request_id": request_id,
        **_series(series),
        "start": start,
        "end": end,
        "count": count,
        "chunks": chunks,
    }


def current_timestamp(request_id: str | None, series: SeriesKey, ts: int | None) -> dict[str, Any]:
    body = {"type": "current_timestamp_response", "request_id": request_id, **_series(series)}
    return {**body, "timestamp": ts}


def error(request_id: str | None, err: BaseException) -> dict[str, Any]:
    code, message, _ = public_error(err)
    return {"type": "error_response", "request_id": request_id, "code": code, "message": message}


def _series(series: SeriesKey) -> dict[str, str]:
    return {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe}
