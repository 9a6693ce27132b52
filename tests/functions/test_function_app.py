"""function_app.py through the azure.functions programming model: every registered function, its
bindings JSON, and invocations with real requests and trigger payloads against the exchange emulator,
both storage backends and the fake Web PubSub service (driven by the real service SDK)."""

from __future__ import annotations

import json

import azure.functions as func
import orjson
from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import function_app
from tests.fetch.helpers import MIN, NOW_SLOT
from tests.functions.registered import bindings, functions
from tests.webpubsub.helpers import reassemble
from tests.webpubsub.payloads import user_event


def binding(name: str, kind: str) -> dict:
    [found] = [b for b in bindings(name) if b["type"] == kind]
    return found


class Out(func.Out):
    def __init__(self) -> None:
        self.value = None

    def set(self, value) -> None:
        self.value = value

    def get(self):
        return self.value


def get(route: str, **params: str) -> func.HttpRequest:
    return func.HttpRequest(method="GET", url=f"/api/{route}", params=params, body=b"")


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


# -- Web PubSub -------------------------------------------------------------------------------------
async def test_a_historical_request_is_acknowledged_queued_and_streamed_to_the_connection(
    app_services, exchange_emulator, webpubsub_fake
):
    start, end = NOW_SLOT - 25_000 * MIN, NOW_SLOT - 100 * MIN
    job = Out()
    reply = await function_app.request_historical(
        user_event(
            {
                "request_id": "r1",
                "exchange": "binance",
                "symbol": "BTC/USDT",
                "timeframe": "1m",
                "start": start,
                "end": end,
            },
            connection_id="conn-9",
        ),
        job,
    )
    assert reply["dataType"] == "json" and isinstance(reply["data"], str)
    ack = json.loads(reply["data"])
    assert (ack["type"], ack["request_id"], ack["done"]) == ("historical_data_progress", "r1", 0)
    assert job.value is not None
    await function_app.historical_worker(QueueMessage(body=job.value.encode(), dequeue_count=1))
    sent = webpubsub_fake.messages("conn-9")
    assert all(m.content_type.startswith("application/json") and len(m.body) < 1_000_000 for m in sent)
    rows, complete = reassemble([orjson.loads(m.body) for m in sent])
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert (complete["request_id"], complete["start"], complete["end"], complete["count"]) == (
        "r1",
        start,
        end,
        len(rows),
    )
    assert complete["chunks"] > 1


async def test_current_timestamp_and_error_replies(app_services):
    reply = await function_app.request_current_timestamp(
        user_event(
            {"request_id": "t1", "exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m"},
            event_name="request_current_timestamp",
        )
    )
    assert json.loads(reply["data"]) == {
        "type": "current_timestamp_response",
        "request_id": "t1",
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "timestamp": None,
    }
    job = Out()
    bad = await function_app.request_historical(
        user_event({"request_id": "b1", "symbol": "../x", "timeframe": "1m", "start": 1, "end": 2}), job
    )
    error = json.loads(bad["data"])
    assert (error["type"], error["request_id"], error["code"]) == ("error_response", "b1", "INVALID_REQUEST")
    assert job.value is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
        st.dictionaries(
            st.text(max_size=10), st.one_of(st.none(), st.integers(), st.text(max_size=20)), max_size=6
        ),
    )
)
async def test_the_user_event_functions_never_raise(app_services, data):
    job = Out()
    reply = await function_app.request_historical(user_event(data), job)
    message = json.loads(reply["data"])
    assert message["type"] in ("error_response", "historical_data_progress")
    if message["type"] == "error_response":
        assert job.value is None and message["code"] in (
            "INVALID_REQUEST",
            "UNKNOWN_EXCHANGE",
            "UNSUPPORTED_TIMEFRAME",
            "RANGE_TOO_LARGE",
        )


async def test_a_ten_megabyte_event_gets_a_clean_error(app_services):
    job = Out()
    reply = await function_app.request_historical(user_event("x" * 10_000_000), job)
    assert json.loads(reply["data"])["code"] == "INVALID_REQUEST" and job.value is None


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
