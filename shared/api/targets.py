"""``GET|PUT|DELETE /api/targets``: the watched targets the timer syncs (admin level).

- ``GET`` -> 200 ``{"targets": [{"exchange", "symbol", "timeframe", "added_at", "last_run_at",
  "last_status", "last_error_code", "last_error_message", "candles_added"}, ...]}``;
- ``PUT`` with the body ``{"exchange", "symbol", "timeframe"}`` -> 201 ``{"added": true, "target"}``,
  or 200 ``{"added": false, "target"}`` when it was already watched;
- ``DELETE`` with the same body, or the same query parameters when the body is empty -> 200
  ``{"removed": true, "target"}``, 404 ``TARGET_NOT_FOUND`` when it was not watched.

Validated like a request: body size (``REQUEST_MAX_BYTES``), JSON object, no unknown fields, a valid
``SeriesKey`` (400), an exchange on the allow-list (404 ``UNKNOWN_EXCHANGE``); ``exchange`` may be
omitted (the default exchange). Query parameters other than the three are ignored: the Functions host
passes the function key as ``?code=``. Whether the exchange lists the symbol is not checked here (no
exchange call on an admin write): a wrong symbol shows up as ``COIN_NOT_AVAILABLE`` in its last run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from shared.api.http_handlers import HttpResult, error_result, json_result
from shared.api.requests import describe, load_object
from shared.errors import InvalidRequestError, TargetNotFoundError
from shared.series import SeriesKey
from shared.sync.targets import TargetStore

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

FIELDS = ("exchange", "symbol", "timeframe")
MAX_RETENTION_DAYS = 36_500


class TargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exchange: StrictStr | None = Field(default=None, max_length=64)
    symbol: StrictStr = Field(max_length=64)
    timeframe: StrictStr = Field(max_length=16)
    # PUT only: the sync deletes this target's candles older than this many days (None: keep all)
    retention_days: StrictInt | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)


def _plain(series: SeriesKey) -> dict[str, str]:
    return {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe}


def parse_target(services: Services, raw: Mapping[str, Any]) -> SeriesKey:
    """The validated series of a PUT/DELETE; raises ``DataServiceError`` (400 or 404)."""
    return parse_put(services, raw)[0]


def parse_put(services: Services, raw: Mapping[str, Any]) -> tuple[SeriesKey, int | None]:
    """The validated series and retention (days) of a PUT."""
    try:
        target = TargetBody.model_validate(dict(raw))
    except ValidationError as exc:
        raise InvalidRequestError(describe(exc)) from None
    series = SeriesKey(
        target.exchange or services.exchanges.default_exchange, target.symbol, target.timeframe
    )
    services.exchanges.require_enabled(series.exchange)
    return series, target.retention_days


async def list_targets(services: Services, targets: TargetStore) -> HttpResult:
    try:
        states = await targets.list()
    except Exception as exc:
        return error_result(exc)
    return json_result({"targets": [s.to_dict() for s in states]})


async def put_target(services: Services, targets: TargetStore, body: bytes) -> HttpResult:
    try:
        series, retention = parse_put(services, load_object(body, services.settings.request_max_bytes))
        added = await targets.add(series, retention)
    except Exception as exc:
        return error_result(exc)
    target = {**_plain(series), "retention_days": retention}
    return json_result({"added": added, "target": target}, 201 if added else 200)


async def delete_target(
    services: Services, targets: TargetStore, body: bytes, params: Mapping[str, str]
) -> HttpResult:
    try:
        if body.strip():
            raw: Mapping[str, Any] = load_object(body, services.settings.request_max_bytes)
        else:
            raw = {name: params[name] for name in FIELDS if name in params}
        series = parse_target(services, raw)
        removed = await targets.remove(series)
    except Exception as exc:
        return error_result(exc)
    if not removed:
        return error_result(TargetNotFoundError(f"{series} is not a watched target"))
    return json_result({"removed": True, "target": _plain(series)})


async def handle(services: Services, method: str, body: bytes, params: Mapping[str, str]) -> HttpResult:
    """``GET|PUT|DELETE /api/targets`` on the process's target store."""
    if method == "GET":
        return await list_targets(services, services.targets)
    if method == "PUT":
        return await put_target(services, services.targets, body)
    return await delete_target(services, services.targets, body, params)
