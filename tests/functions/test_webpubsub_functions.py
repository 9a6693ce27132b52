"""function_app.py's Web PubSub user-event functions and the queue-triggered worker, invoked with real
trigger payloads against the exchange emulator, both storage backends and the fake Web PubSub service
(driven by the real service SDK)."""

from __future__ import annotations

import json

import orjson
from azure.functions.queue import QueueMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import function_app
from tests.fetch.helpers import MIN, NOW_SLOT
from tests.functions.registered import Out
from tests.webpubsub.helpers import reassemble
from tests.webpubsub.payloads import user_event


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
