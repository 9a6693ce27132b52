"""Message shapes of the contract (docs/protocol.md) and the error mapping."""

from __future__ import annotations

import pytest

from shared.errors import (
    INTERNAL_MESSAGE,
    CoinNotAvailableError,
    ConfigurationError,
    ConflictError,
    ExchangeAuthError,
    ExchangeError,
    ExchangeRateLimitedError,
    ExchangeUnavailableError,
    HistoryNotAvailableError,
    InternalError,
    InvalidRequestError,
    RangeTooLargeError,
    StorageError,
    UnknownExchangeError,
    UnsupportedTimeframeError,
    public_codes,
    public_view,
)
from shared.series import SeriesKey
from shared.webpubsub import messages

BTC = SeriesKey("binance", "BTC/USDT", "1m")


def test_every_message_type():
    assert messages.progress("r", 5, 10) == {
        "type": "historical_data_progress",
        "request_id": "r",
        "done": 5,
        "total": 10,
    }
    assert messages.chunk("r", 3, [[1, 2.0, 3.0, 1.0, 2.5, 0.1]]) == {
        "type": "historical_data_chunk",
        "request_id": "r",
        "seq": 3,
        "data": [[1, 2.0, 3.0, 1.0, 2.5, 0.1]],
    }
    assert messages.complete("r", BTC, 10, 20, 7, 1) == {
        "type": "historical_data_complete",
        "request_id": "r",
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": 10,
        "end": 20,
        "count": 7,
        "chunks": 1,
    }
    assert messages.current_timestamp(None, BTC, None) == {
        "type": "current_timestamp_response",
        "request_id": None,
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "timestamp": None,
    }
    assert messages.error("r", InvalidRequestError("bad")) == {
        "type": "error_response",
        "request_id": "r",
        "code": "INVALID_REQUEST",
        "message": "bad",
    }


@pytest.mark.parametrize(
    ("err", "code", "status"),
    [
        (InvalidRequestError("m"), "INVALID_REQUEST", 400),
        (UnknownExchangeError("m"), "UNKNOWN_EXCHANGE", 404),
        (CoinNotAvailableError("m"), "COIN_NOT_AVAILABLE", 404),
        (UnsupportedTimeframeError("m"), "UNSUPPORTED_TIMEFRAME", 400),
        (RangeTooLargeError("m"), "RANGE_TOO_LARGE", 413),
        (HistoryNotAvailableError("m"), "HISTORY_NOT_AVAILABLE", 404),
        (ExchangeError("m"), "EXCHANGE_ERROR", 502),
        (ExchangeAuthError("m"), "EXCHANGE_ERROR", 502),
        (ExchangeUnavailableError("m"), "EXCHANGE_ERROR", 503),
        (ExchangeRateLimitedError("m"), "EXCHANGE_RATE_LIMITED", 503),
        (StorageError("m"), "STORAGE_ERROR", 503),
    ],
)
def test_public_errors_keep_code_message_and_status(err, code, status):
    assert public_view(err) == (code, "m", status)
    assert messages.error(None, err)["code"] in public_codes()


@pytest.mark.parametrize(
    "err",
    [
        RuntimeError("Traceback ... key=abc"),
        KeyError("secret"),
        InternalError("detail"),
        ConfigurationError("STORAGE_AZURE_CONNECTION_STRING=..."),
    ],
)
def test_anything_else_is_a_generic_internal_error(err):
    msg = messages.error("r", err)
    assert msg == {
        "type": "error_response",
        "request_id": "r",
        "code": "INTERNAL_ERROR",
        "message": INTERNAL_MESSAGE,
    }


def test_a_lost_write_race_is_a_storage_error():
    assert public_view(ConflictError("etag mismatch on data/x"))[:1] == ("STORAGE_ERROR",)
