"""function_app.py through the azure.functions programming model: every registered function, its
bindings JSON, and invocations with real requests and trigger payloads against the exchange emulator,
both storage backends and the fake Web PubSub service (driven by the real service SDK)."""

from __future__ import annotations

import json

import azure.functions as func
from azure.functions.timer import TimerRequest

import function_app
from tests.fetch.helpers import MIN, NOW_SLOT
from tests.functions.registered import bindings, functions, get


def binding(name: str, kind: str) -> dict:
    [found] = [b for b in bindings(name) if b["type"] == kind]
    return found


# -- the registered functions and their bindings ----------------------------------------------------
def test_every_function_is_registered_with_its_bindings():
    names = set(functions())
    assert names == {
        "health",
        "health_deep",
        "ohlcv",
        "ohlcv_latest",
        "catalog",
        "negotiate",
        "targets",
        "store_candles",
        "request_historical",
        "request_current_timestamp",
        "historical_worker",
        "sync_targets",
        "portfolio",
        "portfolio_history",
        "sync_portfolios",
    }
    http = {
        n: binding(n, "httpTrigger")
        for n in (
            "health",
            "health_deep",
            "ohlcv",
            "ohlcv_latest",
            "catalog",
            "negotiate",
            "targets",
            "store_candles",
        )
    }
    assert {n: (b["route"], b["methods"], b["authLevel"]) for n, b in http.items()} == {
        "health": ("health", ["GET"], "ANONYMOUS"),
        "health_deep": ("health/deep", ["GET"], "ADMIN"),
        "ohlcv": ("ohlcv", ["GET"], "FUNCTION"),
        "ohlcv_latest": ("ohlcv/latest", ["GET"], "FUNCTION"),
        "catalog": ("catalog", ["GET"], "FUNCTION"),
        "negotiate": ("negotiate", ["GET", "POST"], "FUNCTION"),
        "targets": ("targets", ["GET", "PUT", "DELETE"], "ADMIN"),
        "store_candles": ("store/candles", ["DELETE"], "ADMIN"),
    }
    assert binding("negotiate", "webPubSubConnection") == {
        "direction": "IN",
        "type": "webPubSubConnection",
        "name": "connection",
        "hub": "marketdata",
    }
    for event in ("request_historical", "request_current_timestamp"):
        trigger = binding(event, "webPubSubTrigger")
        assert (trigger["name"], trigger["hub"], trigger["eventType"], trigger["eventName"]) == (
            "request",
            "marketdata",
            "user",
            event,
        )
    queue_out = binding("request_historical", "queue")
    queue_in = binding("historical_worker", "queueTrigger")
    assert queue_out["queueName"] == queue_in["queueName"] == "historical-requests"
    assert queue_out["connection"] == queue_in["connection"] == "AzureWebJobsStorage"
    assert binding("sync_targets", "timerTrigger") | {} == {
        "direction": "IN",
        "type": "timerTrigger",
        "name": "timer",
        "schedule": "%SYNC_SCHEDULE%",
        "runOnStartup": False,
        "useMonitor": True,
    }


# -- HTTP -------------------------------------------------------------------------------------------
async def test_ohlcv_json_and_csv_latest_and_catalog(app_services, exchange_emulator):
    start, end = NOW_SLOT - 600 * MIN, NOW_SLOT - 100 * MIN
    truth = exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    response = await function_app.ohlcv(
        get(
            "ohlcv",
            exchange="binance",
            symbol="BTC/USDT",
            timeframe="1m",
            start=str(start),
            end=str(end),
            code="key",
        )
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = json.loads(response.get_body())
    assert body["data"] == truth and (body["start"], body["end"]) == (start, end)
    csv = await function_app.ohlcv(
        get(
            "ohlcv",
            symbol="BTC/USDT",
            timeframe="1m",
            start=str(start),
            end=str(end),
            format="csv",
            exchange="binance",
        )
    )
    lines = csv.get_body().decode().splitlines()
    assert csv.mimetype == "text/csv" and lines[0] == "timestamp,open,high,low,close,volume"
    assert len(lines) == len(truth) + 1 and lines[1].split(",")[0] == str(truth[0][0])
    latest = await function_app.ohlcv_latest(
        get("ohlcv/latest", exchange="binance", symbol="BTC/USDT", timeframe="1m")
    )
    assert json.loads(latest.get_body())["timestamp"] == truth[-1][0]
    catalog = json.loads((await function_app.catalog(get("catalog"))).get_body())
    assert [(s["symbol"], s["count"]) for s in catalog["series"]] == [("BTC/USDT", len(truth))]


async def test_http_errors_carry_stable_codes(app_services):
    too_big = await function_app.ohlcv(
        get(
            "ohlcv",
            exchange="binance",
            symbol="BTC/USDT",
            timeframe="1m",
            start=str(NOW_SLOT - 10_000 * MIN),
            end=str(NOW_SLOT),
        )
    )
    assert too_big.status_code == 413 and json.loads(too_big.get_body())["error"]["code"] == "RANGE_TOO_LARGE"
    unknown = await function_app.ohlcv(
        get(
            "ohlcv", exchange="kraken", symbol="BTC/USD", timeframe="1m", start="2025-12-01", end="2025-12-02"
        )
    )
    assert (
        unknown.status_code == 404 and json.loads(unknown.get_body())["error"]["code"] == "UNKNOWN_EXCHANGE"
    )
    bad = await function_app.ohlcv(get("ohlcv", symbol="../../etc", timeframe="1m", start="x", end="y"))
    assert bad.status_code == 400 and json.loads(bad.get_body())["error"]["code"] == "INVALID_REQUEST"


async def test_negotiate_returns_the_binding_value_or_a_token_for_the_authenticated_user(app_services):
    value = json.dumps(
        {"baseUrl": "wss://x/client/hubs/marketdata", "url": "wss://x?access_token=t", "accessToken": "t"}
    )
    plain = await function_app.negotiate(func.HttpRequest("POST", "/api/negotiate", body=b""), value)
    assert plain.status_code == 200 and json.loads(plain.get_body()) == json.loads(value)
    request = func.HttpRequest(
        "GET", "/api/negotiate", headers={"x-ms-client-principal-id": "alice"}, body=b""
    )
    minted = json.loads((await function_app.negotiate(request, value)).get_body())
    assert minted["url"].startswith(minted["baseUrl"] + "?access_token=") and minted["accessToken"]
    claims = json.loads(__import__("base64").urlsafe_b64decode(minted["accessToken"].split(".")[1] + "=="))
    assert claims["sub"] == "alice"


async def test_targets_are_listed_added_and_removed(app_services):
    listed = json.loads((await function_app.targets(get("targets"))).get_body())["targets"]
    assert [t["symbol"] for t in listed] == ["BTC/USDT", "DOGE/USDT"]  # seeded from SYNC_TARGETS
    body = json.dumps({"exchange": "binance", "symbol": "ETH/USDT", "timeframe": "1h"}).encode()
    added = await function_app.targets(func.HttpRequest("PUT", "/api/targets", body=body))
    assert added.status_code == 201
    removed = await function_app.targets(func.HttpRequest("DELETE", "/api/targets", body=body))
    assert removed.status_code == 200
    gone = await function_app.targets(func.HttpRequest("DELETE", "/api/targets", body=body))
    assert gone.status_code == 404


# -- the timer --------------------------------------------------------------------------------------
async def test_the_timer_syncs_every_target_and_one_failure_does_not_stop_the_others(
    app_services, exchange_emulator
):
    await function_app.sync_targets(TimerRequest(past_due=False))
    states = {
        t["symbol"]: t for t in json.loads((await function_app.targets(get("targets"))).get_body())["targets"]
    }
    assert states["BTC/USDT"]["last_status"] == "ok" and states["BTC/USDT"]["candles_added"] == 3 * 24
    assert (
        states["DOGE/USDT"]["last_status"] == "failed"
        and states["DOGE/USDT"]["last_error_code"] == "COIN_NOT_AVAILABLE"
    )


async def test_http_functions_answer_a_broken_configuration_with_a_coded_error(tmp_path, monkeypatch):
    from shared import runtime

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_TYPE", "blob")
    await runtime.reset()
    try:
        response = await function_app.catalog(get("catalog"))
        assert response.status_code == 500
        assert json.loads(response.get_body())["error"]["code"] == "INTERNAL_ERROR"
    finally:
        await runtime.reset()
