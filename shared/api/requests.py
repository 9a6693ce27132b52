"""Client requests (Web PubSub events and HTTP queries) parsed into validated models.

Every parser raises ``InvalidRequestError`` for anything wrong — malformed JSON, wrong types, unknown
fields, absurd times, bodies over the size limit — with ``details["request_id"]`` set when the
request id could be read. Messages quote client values only shortened and through ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.errors import InvalidRequestError
from shared.series import SeriesKey, validate_symbol

MAX_REQUEST_ID_LENGTH = 128
MIN_TIME_MS = 1_230_768_000_000  # 2009-01-01T00:00:00Z: no market data is older
MAX_TIME_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def parse_time(value: Any) -> int:
    """Epoch milliseconds from an int (or a digit string, as in query strings) or an ISO-8601 string
    (UTC when it has no offset; ``Z`` accepted). ``ValueError`` for anything else or outside 2009..2100."""
    if isinstance(value, bool):
        raise ValueError("must be an ISO-8601 string or epoch milliseconds, not a boolean")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("epoch milliseconds must be a whole number")
        value = int(value)
    if isinstance(value, str):
        value = _from_text(value.strip())
    if not isinstance(value, int):
        raise ValueError("must be an ISO-8601 string or epoch milliseconds")
    if not MIN_TIME_MS <= value <= MAX_TIME_MS:
        raise ValueError(f"{value} is not a time between 2009 and 2100 (epoch milliseconds)")
    return value


def _from_text(text: str) -> int:
    if 0 < len(text) <= 16 and text.isascii() and text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text) if 0 < len(text) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(f"{text[:40]!r} is not an ISO-8601 time such as 2024-01-01T00:00:00Z")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MS


class _SeriesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: StrictStr | None = Field(default=None, max_length=MAX_REQUEST_ID_LENGTH)
    exchange: StrictStr | None = Field(default=None, max_length=64)
    symbol: StrictStr = Field(max_length=64)
    timeframe: StrictStr = Field(max_length=16)

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        try:
            return validate_symbol(value)
        except InvalidRequestError as exc:
            raise ValueError(exc.message) from None

    def series(self, default_exchange: str) -> SeriesKey:
        """The validated series (``UnknownExchangeError`` / ``UnsupportedTimeframeError`` when wrong)."""
        return SeriesKey(self.exchange or default_exchange, self.symbol, self.timeframe)


class CurrentTimestampRequest(_SeriesRequest):
    """``request_current_timestamp`` / ``GET /api/ohlcv/latest``."""


class HistoricalRequest(_SeriesRequest):
    """``request_historical`` / ``GET /api/ohlcv``: the range [start, end) in epoch milliseconds."""

    start: int
    end: int

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> int:
        return parse_time(value)

    @model_validator(mode="after")
    def _ordered(self) -> HistoricalRequest:
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


ChunkEncoding = Literal["json", "arrow"]


class HistoricalStreamRequest(HistoricalRequest):
    """``request_historical`` over Web PubSub: also the ``encoding`` of its chunks (docs/protocol.md)."""

    encoding: ChunkEncoding = "json"


M = TypeVar("M", bound=_SeriesRequest)


def request_id_of(raw: Any) -> str | None:
    """The request id, best effort: ``None`` when it cannot be read. Never raises."""
    try:
        obj = raw if isinstance(raw, Mapping) else _loads_or_none(raw)
        value = obj.get("request_id") if isinstance(obj, Mapping) else None
        return value if isinstance(value, str) and len(value) <= MAX_REQUEST_ID_LENGTH else None
    except Exception:  # best effort by contract
        return None


def parse_historical(raw: str | bytes | Mapping[str, Any], *, max_bytes: int) -> HistoricalRequest:
    return _parse(HistoricalRequest, raw, max_bytes)


def parse_historical_stream(
    raw: str | bytes | Mapping[str, Any], *, max_bytes: int
) -> HistoricalStreamRequest:
    return _parse(HistoricalStreamRequest, raw, max_bytes)


def parse_current(raw: str | bytes | Mapping[str, Any], *, max_bytes: int) -> CurrentTimestampRequest:
    return _parse(CurrentTimestampRequest, raw, max_bytes)


def _parse(model: type[M], raw: Any, max_bytes: int) -> M:
    try:
        obj = load_object(raw, max_bytes)
    except InvalidRequestError as exc:
        exc.details.setdefault("request_id", request_id_of(raw))
        raise
    request_id = request_id_of(obj)
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise InvalidRequestError(describe(exc), request_id=request_id) from None
    except InvalidRequestError as exc:
        exc.details.setdefault("request_id", request_id)
        raise


def load_object(raw: Any, max_bytes: int) -> dict[str, Any]:
    """A client's JSON object from text, bytes or a mapping, within ``max_bytes``."""
    if isinstance(raw, Mapping):
        obj: Any = dict(raw)
        try:
            size = len(orjson.dumps(obj))
        except (TypeError, orjson.JSONEncodeError):
            raise InvalidRequestError("the request holds values that are not JSON") from None
    elif isinstance(raw, str | bytes | bytearray | memoryview):
        data = raw.encode("utf-8", "replace") if isinstance(raw, str) else bytes(raw)
        size = len(data)
        obj = None if size > max_bytes else _loads(data)
    else:
        raise InvalidRequestError("the request must be a JSON object")
    if size > max_bytes:
        raise InvalidRequestError(f"the request is {size:,} bytes; at most {max_bytes:,} are accepted")
    if not isinstance(obj, dict):
        raise InvalidRequestError("the request must be a JSON object")
    return obj


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise InvalidRequestError("the request is not valid JSON") from None


def _loads_or_none(raw: Any) -> Any:
    if isinstance(raw, str | bytes | bytearray) and len(raw) <= 1_048_576:
        return orjson.loads(raw)
    return None


def describe(exc: ValidationError, limit: int = 5) -> str:
    """One line per problem (``field: what is wrong``), without echoing the whole input."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "request"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        parts.append(f"{where[:64]}: {message}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
