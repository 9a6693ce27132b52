"""The Web PubSub user-event handler: answer at once, queue the long work, never raise.

An exception out of a user-event function makes the service drop the client's connection, so every
failure becomes an ``error_response`` reply. ``request_historical`` is validated with the cheap checks
only (no exchange contacted), takes a per-connection slot and becomes a queue job; the reply is a
``historical_data_progress`` with ``done = 0`` as the acknowledgement. ``request_current_timestamp``
is answered directly from storage.

Replies use the shape the extension accepts from a Python function: a dict whose ``data`` is the JSON
text of the message and whose ``dataType`` is ``json`` (a returned string never reaches the client).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from shared.api.requests import (
    HistoricalRequest,
    parse_current,
    parse_historical_stream,
    request_id_of,
)
from shared.errors import ConfigurationError, DataServiceError, InvalidRequestError
from shared.series import SeriesKey
from shared.webpubsub import messages
from shared.webpubsub.jobs import new_job
from shared.webpubsub.limits import ConnectionLimiter
from shared.webpubsub.trigger import UserEvent, parse_user_event, shown

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

log = logging.getLogger(__name__)
HISTORICAL = "request_historical"
CURRENT = "request_current_timestamp"
_FALLBACK = {"data": orjson.dumps(messages.error(None, Exception())).decode(), "dataType": "json"}


@dataclass(frozen=True, slots=True)
class EventOutcome:
    reply: dict[str, str]  # what the function returns to the caller
    job: str | None  # the queue message to enqueue, when work was accepted


def reply(message: dict[str, Any]) -> dict[str, str]:
    """A message in the user-event response shape."""
    return {"data": orjson.dumps(message).decode(), "dataType": "json"}


async def handle_user_event(services: Services, raw_request: str, limiter: ConnectionLimiter) -> EventOutcome:
    """Never raises (cancellation aside): anything wrong is an ``error_response`` reply and no job."""
    request_id: str | None = None
    event: UserEvent | None = None
    try:
        event = parse_user_event(raw_request, max_data_bytes=services.settings.request_max_bytes)
        request_id = request_id_of(event.data)
        if event.data_type == "binary":
            raise InvalidRequestError("send the request as JSON (dataType json)")
        if event.event_name == HISTORICAL:
            return await _historical(services, event, limiter)
        if event.event_name == CURRENT:
            return await _current(services, event)
        raise InvalidRequestError(
            f"unknown event {shown(event.event_name)}; expected {HISTORICAL} or {CURRENT}"
        )
    except Exception as exc:  # the contract: never raise out of a user event
        return _failed(exc, request_id, event)


async def answer_user_event(
    get_services: Callable[[], Awaitable[Services]], raw_request: str
) -> EventOutcome:
    """``handle_user_event`` for the function app: also a service that cannot start (a wrong
    setting) becomes an ``error_response`` reply instead of an exception."""
    try:
        services = await get_services()
    except Exception as exc:
        return _failed(exc, None, None)
    return await handle_user_event(services, raw_request, services.limiter)


async def _historical(services: Services, event: UserEvent, limiter: ConnectionLimiter) -> EventOutcome:
    request = parse_historical_stream(event.data, max_bytes=services.settings.request_max_bytes)
    total = check_historical(services, request)
    job = new_job(event.connection_id, event.hub, request)
    try:
        accepted = await limiter.acquire(event.connection_id, job.job_id)
    except DataServiceError as exc:
        exc.details.setdefault("request_id", request.request_id)
        raise
    if not accepted:
        raise InvalidRequestError(
            f"this connection already has {limiter.max_active} historical requests running; "
            "wait for one to complete (historical_data_complete or error_response)",
            request_id=request.request_id,
        )
    log.info("queued historical job %s for connection %s", job.job_id, shown(event.connection_id, 64))
    return EventOutcome(reply(messages.progress(request.request_id, 0, total)), job.to_message())


def check_historical(services: Services, request: HistoricalRequest) -> int:
    """The cheap checks (no exchange contacted); returns the range's candle slots."""
    try:
        series = request.series(services.exchanges.default_exchange)
        total = services.candles.check_request(series, request.start, request.end)
        if services.sender is None:
            raise ConfigurationError("Web PubSub is not configured here (WebPubSubConnectionString)")
    except DataServiceError as exc:
        exc.details.setdefault("request_id", request.request_id)
        raise
    return total


async def _current(services: Services, event: UserEvent) -> EventOutcome:
    request = parse_current(event.data, max_bytes=services.settings.request_max_bytes)
    try:
        series: SeriesKey = request.series(services.exchanges.default_exchange)
        ts = await services.candles.latest_timestamp(series)
    except DataServiceError as exc:
        exc.details.setdefault("request_id", request.request_id)
        raise
    return EventOutcome(reply(messages.current_timestamp(request.request_id, series, ts)), None)


def _failed(exc: Exception, request_id: str | None, event: UserEvent | None) -> EventOutcome:
    try:
        if isinstance(exc, DataServiceError):
            found = exc.details.get("request_id", request_id)
            request_id = found if isinstance(found, str) else request_id
            connection = shown(event.connection_id, 64) if event else None
            log.info("user event refused (%s) for connection %s", exc.code, connection)
        else:
            log.exception("user event failed unexpectedly")
        return EventOutcome(reply(messages.error(request_id, exc)), None)
    except Exception:  # pragma: no cover - the last line of defence
        return EventOutcome(dict(_FALLBACK), None)
