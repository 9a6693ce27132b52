"""The messages the service sends to a Web PubSub client, as plain dicts (see docs/protocol.md).

``error`` shows an exception through ``shared.errors.public_view``: public errors keep their code and
message; anything else becomes ``INTERNAL_ERROR`` with a generic message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.errors import public_view
from shared.series import SeriesKey


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
    code, message, _ = public_view(err)
    return {"type": "error_response", "request_id": request_id, "code": code, "message": message}


def _series(series: SeriesKey) -> dict[str, str]:
    return {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe}
