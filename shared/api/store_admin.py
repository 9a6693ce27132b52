"""``DELETE /api/store/candles`` (admin key): delete a series, or a range of it, with its coverage.

Query: ``exchange`` (default: the default exchange), ``symbol``, ``timeframe``, optional ``start`` and
``end`` (ISO-8601 or epoch ms; open ends mean "from the first" / "to the last" candle). The exchange
need not be enabled: data of an exchange no longer served can be removed too. Answers what was
deleted; the next request for that range fetches it from the exchange again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import ValidationError

from shared.api.http_handlers import HttpResult, error_result, json_result
from shared.api.requests import describe, parse_time
from shared.api.targets import FIELDS, TargetBody
from shared.errors import InvalidRequestError
from shared.series import SeriesKey
from shared.store.removal import delete_candles

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

TIMES = ("start", "end")


def parse_deletion(services: Services, params: Mapping[str, str]) -> tuple[SeriesKey, int | None, int | None]:
    fields = {k: v for k, v in params.items() if k != "code"}  # ``code``: the key in the query string
    unknown = sorted(set(fields) - set(FIELDS) - set(TIMES))
    if unknown:
        allowed = ", ".join(FIELDS + TIMES)
        raise InvalidRequestError(f"unknown parameter(s) {', '.join(unknown)}: use {allowed}")
    try:
        body = TargetBody.model_validate({k: fields[k] for k in FIELDS if k in fields})
    except ValidationError as exc:
        raise InvalidRequestError(describe(exc)) from None
    series = SeriesKey(body.exchange or services.exchanges.default_exchange, body.symbol, body.timeframe)
    times: list[int | None] = []
    for name in TIMES:
        try:
            times.append(parse_time(fields[name]) if name in fields else None)
        except ValueError as exc:
            raise InvalidRequestError(f"{name}: {exc}") from None
    return series, times[0], times[1]


async def delete_route(services: Services, params: Mapping[str, str]) -> HttpResult:
    try:
        series, start, end = parse_deletion(services, params)
        result = await delete_candles(services.store, series, start, end)
    except Exception as exc:
        return error_result(exc)
    return json_result(
        {
            "series": {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe},
            "start": start,
            "end": end,
            "deleted": result.candles_deleted,
            "partitions_rewritten": result.partitions_rewritten,
            "partitions_removed": result.partitions_removed,
        }
    )
