"""A watched target and the state of its last sync: plain data, and its stored JSON form.

The stored object (``targets/targets.json``) is::

    {"version": 1, "targets": [{"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m",
      "added_at": 1767225600000, "last_run_at": null, "last_status": null, "last_error_code": null,
      "last_error_message": null, "candles_added": null, "retention_days": null}, ...]}

Times are epoch milliseconds (UTC). Every entry read back passes through ``SeriesKey`` again, so a
hand-edited object cannot smuggle an invalid series into a storage path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Literal

import orjson

from shared.errors import DataServiceError, StorageError
from shared.fetch.service import SyncResult
from shared.series import SeriesKey

log = logging.getLogger(__name__)
FORMAT_VERSION = 1
MAX_ERROR_MESSAGE = 300
Status = Literal["ok", "failed"]


@dataclass(frozen=True, slots=True)
class TargetState:
    series: SeriesKey
    added_at: int
    last_run_at: int | None = None
    last_status: Status | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
    candles_added: int | None = None
    retention_days: int | None = None  # the sync deletes candles older than this many days

    def to_dict(self) -> dict[str, Any]:
        return {
            "exchange": self.series.exchange,
            "symbol": self.series.symbol,
            "timeframe": self.series.timeframe,
            "added_at": self.added_at,
            "last_run_at": self.last_run_at,
            "last_status": self.last_status,
            "last_error_code": self.last_error_code,
            "last_error_message": self.last_error_message,
            "candles_added": self.candles_added,
            "retention_days": self.retention_days,
        }

    def after_run(self, outcome: SyncResult | BaseException, at_ms: int) -> TargetState:
        """This target's state once a run ended with ``outcome`` (a result or the error it raised)."""
        if isinstance(outcome, SyncResult):
            return replace(
                self,
                last_run_at=at_ms,
                last_status="ok",
                last_error_code=None,
                last_error_message=None,
                candles_added=outcome.candles_added,
            )
        code, message = describe_error(outcome)
        return replace(
            self,
            last_run_at=at_ms,
            last_status="failed",
            last_error_code=code,
            last_error_message=message,
            candles_added=None,  # pages stored before a failure are kept, but not counted here
        )


def describe_error(exc: BaseException) -> tuple[str, str]:
    """``(code, short message)`` safe to store and show: never a traceback, never a secret.

    Our own errors carry messages written to be shown (no secrets by the house rules); anything else
    may hold anything (a URL with a key, a connection string), so only its type name is kept."""
    if isinstance(exc, DataServiceError):
        message = exc.message
        if len(message) > MAX_ERROR_MESSAGE:
            message = message[: MAX_ERROR_MESSAGE - 1] + "…"
        return exc.code, message
    return "INTERNAL_ERROR", f"unexpected error ({type(exc).__name__}); see the function logs"


def _state_from(item: Any) -> TargetState:
    series = SeriesKey(item["exchange"], item["symbol"], item["timeframe"])
    status = item.get("last_status")
    if status not in ("ok", "failed", None):
        raise ValueError(f"unknown status {status!r}")

    def optional(name: str, kind: type) -> Any:
        value = item.get(name)
        if value is not None and not isinstance(value, kind):
            raise ValueError(f"{name} is not a {kind.__name__}")
        return value

    added_at = item.get("added_at")
    return TargetState(
        series,
        added_at if isinstance(added_at, int) else 0,
        optional("last_run_at", int),
        status,
        optional("last_error_code", str),
        optional("last_error_message", str),
        optional("candles_added", int),
        optional("retention_days", int),
    )


def decode(data: bytes) -> dict[SeriesKey, TargetState]:
    """The targets held in the stored object, in their stored order.

    ``StorageError`` when the object is not the JSON this module writes (it is then left untouched,
    never overwritten); a single malformed entry is skipped with a warning."""
    try:
        document = orjson.loads(data)
        items = document["targets"]
        if not isinstance(items, list):
            raise TypeError("targets is not a list")
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise StorageError(
            f"the targets object is not valid ({type(exc).__name__}); fix or delete it"
        ) from None
    states: dict[SeriesKey, TargetState] = {}
    for index, item in enumerate(items):
        try:
            state = _state_from(item)
        except (DataServiceError, KeyError, TypeError, ValueError) as exc:
            log.warning("targets object: entry %d skipped (%s)", index, type(exc).__name__)
            continue
        states.setdefault(state.series, state)
    return states


def encode(states: dict[SeriesKey, TargetState]) -> bytes:
    document = {"version": FORMAT_VERSION, "targets": [s.to_dict() for s in states.values()]}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)
