"""The HTTP handlers against the exchange emulator, on local files and on Azurite."""

from __future__ import annotations

from dataclasses import replace

import orjson
import pytest

from shared.api.http_handlers import HttpResult, error_result, get_catalog, get_latest, get_ohlcv
from shared.errors import StorageError
from shared.fetch.service import CandleService
from shared.storage.local_backend import LocalFileBackend
from shared.store import CandleStore
from tests.api.conftest import HTTP_MAX_CANDLES
from tests.emulator.fixtures import LISTING_MS
from tests.fetch.helpers import MIN, NOW_SLOT

START, END = NOW_SLOT - 300 * MIN, NOW_SLOT - 10 * MIN


def params(**changes) -> dict[str, str]:
    base = {
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": str(START),
        "end": str(END),
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def error_of(result: HttpResult) -> tuple[int, str]:
    assert result.content_type == "application/json"
    body = orjson.loads(result.body)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return result.status, body["error"]["code"]


async def test_ohlcv_as_json(services, exchange_emulator):
    result = await get_ohlcv(services, params(code="function-key-is-ignored"))
    assert (result.status, result.content_type) == (200, "application/json")
    body = orjson.loads(result.body)
    assert body == {
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": START,
        "end": END,
        "columns": ["timestamp", "open", "high", "low", "close", "volume"],
        "data": exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", START, END),
    }
    assert all(isinstance(r[0], int) for r in body["data"])


async def test_ohlcv_as_csv_holds_the_same_numbers(services, exchange_emulator):
    result = await get_ohlcv(
        services,
        params(format="csv", start="2025-01-01T00:00:00Z", end=None) | {"start": str(START), "end": str(END)},
    )
    assert (result.status, result.content_type) == (200, "text/csv; charset=utf-8")
    lines = result.body.decode().splitlines()
    assert lines[0] == "timestamp,open,high,low,close,volume"
    truth = exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", START, END)
    assert [
        [int(x) if i == 0 else float(x) for i, x in enumerate(line.split(","))] for line in lines[1:]
    ] == truth


async def test_iso_times_and_the_default_exchange(services, exchange_emulator):
    from datetime import UTC, datetime

    iso = datetime.fromtimestamp(START / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")  # no offset: UTC
    body = orjson.loads((await get_ohlcv(services, params(exchange=None, start=iso))).body)
    assert (body["exchange"], body["start"], len(body["data"])) == ("binance", START, 290)


async def test_the_served_end_is_clipped_to_the_last_closed_candle(services):
    body = orjson.loads((await get_ohlcv(services, params(end=str(NOW_SLOT + 60 * MIN)))).body)
    assert body["end"] == NOW_SLOT and body["data"][-1][0] == NOW_SLOT - MIN


async def test_an_empty_range_gives_an_empty_csv(services):
    result = await get_ohlcv(services, params(start=str(NOW_SLOT), end=str(NOW_SLOT + MIN), format="csv"))
    assert result.body == b"timestamp,open,high,low,close,volume\n"


async def test_a_range_over_the_http_limit_points_to_web_pubsub(services, exchange_emulator):
    exchange_emulator.reset_counts()
    result = await get_ohlcv(services, params(start=str(END - (HTTP_MAX_CANDLES + 1) * MIN)))
    assert error_of(result) == (413, "RANGE_TOO_LARGE")
    assert "Web PubSub" in orjson.loads(result.body)["error"]["message"]
    assert exchange_emulator.request_count() == 0
    ok = await get_ohlcv(services, params(start=str(END - HTTP_MAX_CANDLES * MIN)))
    assert ok.status == 200


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"symbol": None}, (400, "INVALID_REQUEST")),
        ({"start": "soon"}, (400, "INVALID_REQUEST")),
        ({"start": str(END), "end": str(START)}, (400, "INVALID_REQUEST")),
        ({"format": "xml"}, (400, "INVALID_REQUEST")),
        ({"colour": "red"}, (400, "INVALID_REQUEST")),
        ({"encoding": "arrow"}, (400, "INVALID_REQUEST")),  # Web PubSub only: HTTP has format=
        ({"symbol": "../../secrets"}, (400, "INVALID_REQUEST")),
        ({"exchange": "kraken"}, (404, "UNKNOWN_EXCHANGE")),
        ({"exchange": "../x"}, (404, "UNKNOWN_EXCHANGE")),
        ({"symbol": "DOGE/USDT"}, (404, "COIN_NOT_AVAILABLE")),
        ({"timeframe": "7m"}, (400, "UNSUPPORTED_TIMEFRAME")),
        ({"timeframe": "1M"}, (400, "UNSUPPORTED_TIMEFRAME")),
        (
            {"start": str(LISTING_MS - 3_000 * MIN), "end": str(LISTING_MS - 1_000 * MIN)},
            (404, "HISTORY_NOT_AVAILABLE"),
        ),
        ({"pad": "x" * 70_000}, (400, "INVALID_REQUEST")),
    ],
)
async def test_ohlcv_errors(services, changes, expected):
    assert error_of(await get_ohlcv(services, params(**changes))) == expected


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {"kind": "status", "status": 400, "body": {"code": -1100, "msg": "Illegal characters"}},
            (502, "EXCHANGE_ERROR"),
        ),
        ({"kind": "status", "status": 503, "count": 1_000}, (503, "EXCHANGE_ERROR")),
        ({"kind": "rate_limit", "count": 1_000}, (503, "EXCHANGE_RATE_LIMITED")),
    ],
)
async def test_exchange_errors_answer_502_or_503(services, exchange_emulator, fault, expected):
    exchange_emulator.inject("binance", **fault)
    assert error_of(await get_ohlcv(services, params())) == expected


async def test_storage_errors_answer_503(services, tmp_path, exchange_emulator):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    store = CandleStore(LocalFileBackend(not_a_dir))  # nothing can be written under a file
    candles = CandleService(store, services.exchanges, closed_margin_seconds=0, clock=exchange_emulator.clock)
    broken = replace(services, store=store, candles=candles)
    assert error_of(await get_ohlcv(broken, params())) == (503, "STORAGE_ERROR")


async def test_latest_and_catalog(services, exchange_emulator):
    latest = await get_latest(services, params(start=None, end=None))
    assert orjson.loads(latest.body) == {
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "timestamp": None,
    }
    assert orjson.loads((await get_catalog(services)).body) == {"series": []}
    await get_ohlcv(services, params())
    latest = await get_latest(services, params(start=None, end=None, exchange=None))
    assert (latest.status, orjson.loads(latest.body)["timestamp"]) == (200, END - MIN)
    catalog = orjson.loads((await get_catalog(services)).body)
    assert catalog == {
        "series": [
            {
                "exchange": "binance",
                "symbol": "BTC/USDT",
                "timeframe": "1m",
                "first": START,
                "last": END - MIN,
                "count": 290,
            }
        ]
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"start": str(START)}, (400, "INVALID_REQUEST")),
        ({"exchange": "kraken"}, (404, "UNKNOWN_EXCHANGE")),
        ({"timeframe": "x"}, (400, "UNSUPPORTED_TIMEFRAME")),
    ],
)
async def test_latest_errors(services, changes, expected):
    assert error_of(await get_latest(services, params(start=None, end=None) | changes)) == expected


def test_unexpected_errors_answer_a_generic_500_without_details():
    result = error_result(RuntimeError("password=hunter2 at /secret/path"))
    assert error_of(result) == (500, "INTERNAL_ERROR")
    assert b"hunter2" not in result.body and b"secret" not in result.body
    assert error_of(error_result(StorageError("down"))) == (503, "STORAGE_ERROR")
