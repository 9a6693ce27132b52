"""``GET /api/ohlcv?format=parquet``: one Parquet file, same gap filling and errors as JSON; a stored
range may be as long as MAX_REQUEST_CANDLES, one that needs a fill is held to HTTP_MAX_CANDLES."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shared.api.http_handlers import get_ohlcv
from shared.store.parquet_codec import SCHEMA
from tests.api.conftest import HTTP_MAX_CANDLES, MAX_REQUEST_CANDLES
from tests.api.test_http import END, START, error_of, params
from tests.fetch.helpers import MIN


def read(result) -> pa.Table:
    assert (result.status, result.content_type) == (200, "application/vnd.apache.parquet")
    return pq.read_table(pa.BufferReader(result.body))


def as_rows(table: pa.Table) -> list[list]:
    table = table.cast(SCHEMA)
    return [list(r) for r in zip(*(table.column(n).to_pylist() for n in SCHEMA.names), strict=True)]


async def test_parquet_holds_the_same_candles_as_json_with_utc_times(services, exchange_emulator):
    table = read(await get_ohlcv(services, params(format="parquet")))
    assert table.schema.field("timestamp").type == pa.timestamp("ms", tz="UTC")
    assert as_rows(table) == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", START, END)
    meta = table.schema.metadata
    assert (meta[b"cbdata.symbol"], meta[b"cbdata.start"], meta[b"cbdata.end"]) == (
        b"BTC/USDT",
        str(START).encode(),
        str(END).encode(),
    )
    frame = table.to_pandas()
    assert str(frame["timestamp"].dtype) == "datetime64[ms, UTC]"


async def test_a_stored_range_may_pass_the_json_limit_but_a_fill_may_not(services, exchange_emulator):
    long_start = END - 3 * HTTP_MAX_CANDLES * MIN
    exchange_emulator.reset_counts()
    cold = await get_ohlcv(services, params(format="parquet", start=str(long_start)))
    assert error_of(cold) == (413, "RANGE_TOO_LARGE")
    assert "not all stored yet" in orjson.loads(cold.body)["error"]["message"]
    assert exchange_emulator.request_count() == 0  # refused before any exchange call
    for s in range(long_start, END, HTTP_MAX_CANDLES * MIN):  # store it in JSON-sized pieces
        assert (
            await get_ohlcv(services, params(start=str(s), end=str(s + HTTP_MAX_CANDLES * MIN)))
        ).status == 200
    warm = read(await get_ohlcv(services, params(format="parquet", start=str(long_start))))
    assert warm.num_rows == len(exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", long_start, END))
    assert warm.num_rows > HTTP_MAX_CANDLES
    json_again = await get_ohlcv(services, params(start=str(long_start)))
    assert error_of(json_again) == (413, "RANGE_TOO_LARGE")  # JSON keeps its limit


async def test_the_request_limit_still_holds(services):
    start = END - (MAX_REQUEST_CANDLES + 1) * MIN
    assert error_of(await get_ohlcv(services, params(format="parquet", start=str(start)))) == (
        413,
        "RANGE_TOO_LARGE",
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"symbol": "DOGE/USDT"}, (404, "COIN_NOT_AVAILABLE")),
        ({"start": str(END), "end": str(START)}, (400, "INVALID_REQUEST")),
        ({"exchange": "kraken"}, (404, "UNKNOWN_EXCHANGE")),
    ],
)
async def test_parquet_errors_are_the_json_errors(services, changes, expected):
    assert error_of(await get_ohlcv(services, params(format="parquet", **changes))) == expected
