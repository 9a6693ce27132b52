"""``/api/targets`` handlers (GET, PUT, DELETE) over the real composition on both storage backends."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.api.targets import delete_target, list_targets, put_target
from shared.series import SeriesKey
from shared.sync.runner import run_sync
from shared.sync.targets import TARGETS_KEY, TargetStore
from tests.sync.helpers import BTC, UNLISTED


def body(**fields) -> bytes:
    return orjson.dumps(fields)


def decoded(result) -> dict:
    assert result.content_type == "application/json"
    return orjson.loads(result.body)


@pytest.fixture
def targets(services, exchange_emulator) -> TargetStore:
    return TargetStore(services.backend, [BTC], clock=exchange_emulator.clock)


async def test_list_put_delete_round_trip(services, targets):
    listed = decoded(await list_targets(services, targets))
    assert [t["symbol"] for t in listed["targets"]] == ["BTC/USDT"]
    assert listed["targets"][0]["last_status"] is None

    put = await put_target(services, targets, body(exchange="binance", symbol="ETH/USDT", timeframe="1h"))
    assert put.status == 201
    assert decoded(put) == {
        "added": True,
        "target": {"exchange": "binance", "symbol": "ETH/USDT", "timeframe": "1h", "retention_days": None},
    }
    again = await put_target(services, targets, body(exchange="binance", symbol="ETH/USDT", timeframe="1h"))
    assert (again.status, decoded(again)["added"]) == (200, False)
    default = await put_target(services, targets, body(symbol="BTC/USDT", timeframe="4h"))
    assert (default.status, decoded(default)["target"]["exchange"]) == (201, "binance")
    listed = decoded(await list_targets(services, targets))["targets"]
    assert [(t["symbol"], t["timeframe"]) for t in listed] == [
        ("BTC/USDT", "1h"),
        ("ETH/USDT", "1h"),
        ("BTC/USDT", "4h"),
    ]

    gone = await delete_target(
        services, targets, body(exchange="binance", symbol="ETH/USDT", timeframe="1h"), {}
    )
    assert (gone.status, decoded(gone)["removed"]) == (200, True)
    absent = await delete_target(
        services, targets, body(exchange="binance", symbol="ETH/USDT", timeframe="1h"), {}
    )
    assert absent.status == 404 and decoded(absent)["error"]["code"] == "TARGET_NOT_FOUND"
    # query parameters when the body is empty; the function key (?code=) is ignored
    params = {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "4h", "code": "function-key"}
    by_query = await delete_target(services, targets, b"", params)
    assert by_query.status == 200
    assert [(t.series.symbol, t.series.timeframe) for t in await targets.list()] == [("BTC/USDT", "1h")]


async def test_get_shows_the_last_sync_state(services, targets, exchange_emulator):
    await targets.add(UNLISTED)
    await run_sync(services.candles, targets, concurrency_per_exchange=2)
    listed = {t["symbol"]: t for t in decoded(await list_targets(services, targets))["targets"]}
    assert listed["BTC/USDT"]["last_status"] == "ok" and listed["BTC/USDT"]["candles_added"] > 0
    assert listed["DOGE/USDT"]["last_status"] == "failed"
    assert listed["DOGE/USDT"]["last_error_code"] == "COIN_NOT_AVAILABLE"
    assert listed["DOGE/USDT"]["last_run_at"] == exchange_emulator.clock.now_ms


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (body(exchange="kraken", symbol="BTC/USDT", timeframe="1h"), 404, "UNKNOWN_EXCHANGE"),
        (body(exchange="Not An Id", symbol="BTC/USDT", timeframe="1h"), 404, "UNKNOWN_EXCHANGE"),
        (body(exchange="binance", symbol="../../etc/passwd", timeframe="1h"), 400, "INVALID_REQUEST"),
        (body(exchange="binance", symbol="BTC/USDT", timeframe="1M"), 400, "UNSUPPORTED_TIMEFRAME"),
        (body(exchange="binance", symbol="BTC/USDT", timeframe="1h", extra=1), 400, "INVALID_REQUEST"),
        (body(exchange="binance", symbol=5, timeframe="1h"), 400, "INVALID_REQUEST"),
        (body(exchange="binance", timeframe="1h"), 400, "INVALID_REQUEST"),
        (b"{not json", 400, "INVALID_REQUEST"),
        (b"[1, 2]", 400, "INVALID_REQUEST"),
        (b"", 400, "INVALID_REQUEST"),
        (
            body(exchange="binance", symbol="BTC/USDT", timeframe="1h", pad="x" * 70_000),
            400,
            "INVALID_REQUEST",
        ),
    ],
)
async def test_put_refuses_bad_targets(services, targets, raw, status, code):
    result = await put_target(services, targets, raw)
    assert (result.status, decoded(result)["error"]["code"]) == (status, code)
    assert [t.series for t in await targets.list()] == [BTC]


async def test_delete_validates_like_put(services, targets):
    nothing = await delete_target(services, targets, b"", {"code": "function-key"})
    assert nothing.status == 400 and decoded(nothing)["error"]["code"] == "INVALID_REQUEST"
    unknown = await delete_target(
        services, targets, b"", {"exchange": "kraken", "symbol": "BTC/USDT", "timeframe": "1h"}
    )
    assert unknown.status == 404 and decoded(unknown)["error"]["code"] == "UNKNOWN_EXCHANGE"
    extra = await delete_target(
        services, targets, body(exchange="binance", symbol="BTC/USDT", timeframe="1h", x=1), {}
    )
    assert extra.status == 400
    assert [t.series for t in await targets.list()] == [BTC]


async def test_a_storage_failure_is_a_503_with_nothing_internal(services, targets):
    await services.backend.write(TARGETS_KEY, b"{broken")
    for result in (
        await list_targets(services, targets),
        await put_target(services, targets, body(exchange="binance", symbol="ETH/USDT", timeframe="1h")),
    ):
        error = decoded(result)["error"]
        assert (result.status, error["code"]) == (503, "STORAGE_ERROR")
        assert "Traceback" not in error["message"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=8,
)
target_like = st.fixed_dictionaries(
    {},
    optional={
        "exchange": st.sampled_from(["binance", "okx", "kraken", "", "../x"]) | st.text(max_size=10),
        "symbol": st.sampled_from(["BTC/USDT", "a/../b", "", "X" * 70]) | st.text(max_size=12),
        "timeframe": st.sampled_from(["1m", "1h", "0m", "1M"]) | st.text(max_size=4),
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=64) | json_values.map(orjson.dumps) | target_like.map(orjson.dumps))
async def test_fuzzed_bodies_always_get_a_clean_answer(services, raw):
    if services.backend.name != "local":
        return  # one backend is enough for the fuzz
    targets = TargetStore(services.backend, [])
    for result in (await put_target(services, targets, raw), await delete_target(services, targets, raw, {})):
        payload = decoded(result)
        assert result.status in (200, 201, 400, 404)
        if result.status >= 400:
            assert set(payload["error"]) == {"code", "message"}
            assert payload["error"]["code"] != "INTERNAL_ERROR"


async def test_put_sets_and_replaces_a_retention(services, targets):
    put = await put_target(services, targets, body(symbol="ETH/USDT", timeframe="1h", retention_days=30))
    assert (put.status, decoded(put)["target"]["retention_days"]) == (201, 30)
    listed = {t["symbol"]: t for t in decoded(await list_targets(services, targets))["targets"]}
    assert listed["ETH/USDT"]["retention_days"] == 30
    again = await put_target(services, targets, body(symbol="ETH/USDT", timeframe="1h", retention_days=7))
    assert (again.status, decoded(again)["added"]) == (200, False)
    assert (await targets.get(SeriesKey("binance", "ETH/USDT", "1h"))).retention_days == 7
    bad = await put_target(services, targets, body(symbol="ETH/USDT", timeframe="1h", retention_days=0))
    assert bad.status == 400 and decoded(bad)["error"]["code"] == "INVALID_REQUEST"
