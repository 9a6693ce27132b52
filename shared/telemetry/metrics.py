"""The service's metrics, through the OpenTelemetry API (no-ops until an SDK is configured).

| instrument | kind | attributes |
|---|---|---|
| ``cbdata.candles.served`` | counter | exchange, timeframe, transport (``http`` / ``webpubsub``) |
| ``cbdata.candles.fetched`` | counter | exchange, timeframe |
| ``cbdata.exchange.requests`` | counter | exchange, outcome (``ok`` or the error code) |
| ``cbdata.fetch.duration`` | histogram, s | exchange, timeframe |
| ``cbdata.serve.duration`` | histogram, s | exchange, timeframe, transport |
| ``cbdata.errors`` | counter | code, where (``http`` / ``webpubsub`` / ``sync``) |
| ``cbdata.sync.targets`` | counter | outcome (``ok`` / ``failed``) |
| ``cbdata.sync.candles`` | counter | (candles a sync run added) |
| ``cbdata.sync.duration`` | histogram, s | |

Symbols are not attributes: their number is unbounded, which metrics back-ends charge for; logs and
spans carry them.
"""

from __future__ import annotations

from opentelemetry import metrics

from shared.errors import DataServiceError
from shared.series import SeriesKey

_meter = metrics.get_meter("cbdata")
_counter, _histogram = _meter.create_counter, _meter.create_histogram
_served = _counter("cbdata.candles.served", unit="{candle}", description="candles sent to clients")
_fetched = _counter("cbdata.candles.fetched", unit="{candle}", description="candles fetched and stored")
_requests = _counter("cbdata.exchange.requests", unit="{request}", description="exchange page requests")
_fetch_s = _histogram("cbdata.fetch.duration", unit="s", description="one gap fetched and stored")
_serve_s = _histogram("cbdata.serve.duration", unit="s", description="one request served")
_errors = _counter("cbdata.errors", unit="{error}", description="errors answered, by code")
_sync_targets = _counter("cbdata.sync.targets", unit="{target}", description="targets synced")
_sync_candles = _counter("cbdata.sync.candles", unit="{candle}", description="candles a sync added")
_sync_s = _histogram("cbdata.sync.duration", unit="s", description="one sync run")


def _series(series: SeriesKey) -> dict[str, str]:
    return {"exchange": series.exchange, "timeframe": series.timeframe}


def outcome_of(exc: BaseException) -> str:
    """A bounded label for a failure: the error code, else the exception's type name."""
    return exc.code if isinstance(exc, DataServiceError) else type(exc).__name__


def served(series: SeriesKey, candles: int, seconds: float, transport: str) -> None:
    attributes = {**_series(series), "transport": transport}
    _served.add(candles, attributes)
    _serve_s.record(seconds, attributes)


def fetched(series: SeriesKey, candles: int, seconds: float) -> None:
    _fetched.add(candles, _series(series))
    _fetch_s.record(seconds, _series(series))


def exchange_request(exchange: str, outcome: str = "ok") -> None:
    _requests.add(1, {"exchange": exchange, "outcome": outcome})


def error(code: str, where: str) -> None:
    _errors.add(1, {"code": code, "where": where})


def sync_run(ok: int, failed: int, candles_added: int, seconds: float) -> None:
    _sync_targets.add(ok, {"outcome": "ok"})
    _sync_targets.add(failed, {"outcome": "failed"})
    _sync_candles.add(candles_added)
    _sync_s.record(seconds)
