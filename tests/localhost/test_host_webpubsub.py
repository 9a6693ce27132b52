"""Web PubSub through the local host: a client negotiates, connects to the stand-in with the JSON
subprotocol, sends user events; the host calls the app's webPubSubTrigger functions, queues the job
from the queue output binding, and the queue-triggered worker streams the chunks back to the same socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from shared.localhost.host.events import trigger_payload, trigger_value
from shared.localhost.webpubsub.standin import UserEventCall
from tests.fetch.helpers import MIN, NOW_SLOT
from tests.localhost.conftest import FUNCTION_KEY, eventually
from tests.webpubsub.helpers import reassemble
from tests.webpubsub.payloads import ACCESS_KEY, user_event

PROTOCOL = "json.webpubsub.azure.v1"


async def connect(http: aiohttp.ClientSession, host) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    async with http.get(host.url + "/api/negotiate", headers={"x-functions-key": FUNCTION_KEY}) as response:
        access = await response.json()
    ws = await http.ws_connect(access["url"], protocols=[PROTOCOL])
    connected = await ws.receive_json(timeout=10)
    assert connected["event"] == "connected"
    return ws, connected["connectionId"]


async def until_done(
    ws: aiohttp.ClientWebSocketResponse,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(acks, app messages) until historical_data_complete or error_response."""
    acks, messages = [], []
    while True:
        frame = await ws.receive_json(timeout=30)
        if frame["type"] == "ack":
            acks.append(frame)
            continue
        assert frame["type"] == "message" and frame["dataType"] == "json", frame
        messages.append(frame["data"])
        if frame["data"]["type"] in ("historical_data_complete", "error_response"):
            return acks, messages


async def test_historical_request_streams_the_candles_back(local_host, http, exchange_emulator):
    start, end = NOW_SLOT - 20_000 * MIN, NOW_SLOT - 100 * MIN  # needs gap filling from the exchange
    truth = exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    ws, _ = await connect(http, local_host)
    async with ws:
        request = {
            "request_id": "r1",
            "exchange": "binance",
            "symbol": "BTC/USDT",
            "timeframe": "1m",
            "start": start,
            "end": end,
        }
        await ws.send_json(
            {"type": "event", "event": "request_historical", "dataType": "json", "data": request, "ackId": 1}
        )
        acks, messages = await until_done(ws)
    assert acks == [{"type": "ack", "ackId": 1, "success": True}]
    assert messages[0]["type"] == "historical_data_progress" and messages[0]["done"] == 0  # the reply
    assert all(m["request_id"] == "r1" for m in messages)
    rows, complete = reassemble(messages)
    assert rows == truth and complete["count"] == len(truth)
    queue = local_host.queues["historical-requests"]
    await eventually(lambda: queue.done == 1)  # the worker returns after its last send
    assert not queue.poison


async def test_current_timestamp_is_the_reply_and_unknown_events_are_refused(local_host, http):
    ws, _ = await connect(http, local_host)
    async with ws:
        await ws.send_json(
            {
                "type": "event",
                "event": "request_current_timestamp",
                "dataType": "json",
                "data": {"request_id": "t1", "exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m"},
                "ackId": 7,
            }
        )
        frames = [await ws.receive_json(timeout=10) for _ in range(2)]
        await ws.send_json(
            {"type": "event", "event": "no_such_event", "dataType": "json", "data": {}, "ackId": 8}
        )
        refused = await ws.receive_json(timeout=10)
    [reply] = [f for f in frames if f["type"] == "message"]
    assert reply["data"]["request_id"] == "t1" and reply["data"]["type"] != "error_response"
    assert [f for f in frames if f["type"] == "ack"] == [{"type": "ack", "ackId": 7, "success": True}]
    assert refused["type"] == "ack" and refused["ackId"] == 8 and refused["success"] is False


def test_trigger_payload_is_the_extension_shape():
    call = UserEventCall("marketdata", "request_historical", "conn-1", "user-1", '{"a": 1}', "json")
    payload = trigger_payload(call, ACCESS_KEY)
    assert trigger_value("request", payload) == user_event({"a": 1})  # tests/webpubsub/payloads.py
    assert trigger_value("data", payload) == '{"a": 1}'
    assert trigger_value("dataType", payload) == "Json"
    assert json.loads(trigger_value("connectionContext", payload))["eventType"] == "User"
    assert trigger_value("other", payload) is None


async def test_clients_that_never_read_do_not_hold_up_a_normal_request(make_host, http, exchange_emulator):
    """Four clients ask for long ranges and never read; every queue worker serves one of them. Their
    outboxes fill, they are dropped, their jobs stop, and a fifth client's small request completes."""
    host = await make_host(local_webpubsub_send_buffer_bytes=65_536, local_webpubsub_send_timeout_seconds=1.0)

    def request(request_id: str, start: int, end: int) -> dict:
        data = {"request_id": request_id, "symbol": "BTC/USDT", "timeframe": "1m", "start": start, "end": end}
        return {"type": "event", "event": "request_historical", "dataType": "json", "data": data}

    stalled = []
    for n in range(4):
        ws, _ = await connect(http, host)
        await ws.send_json(request(f"big-{n}", NOW_SLOT - 400_000 * MIN, NOW_SLOT - 100 * MIN))  # ~26 MB
        stalled.append(ws)  # never read again
    queue = host.queues["historical-requests"]
    await eventually(lambda: exchange_emulator.request_count("binance", "ohlcv") > 0, limit=60)
    ws, _ = await connect(http, host)
    async with ws:
        await ws.send_json(request("small", NOW_SLOT - 1_500 * MIN, NOW_SLOT - 1_476 * MIN))
        async with asyncio.timeout(120):  # a safety net for a hang, not a timing assertion
            _, messages = await until_done(ws)
    rows, complete = reassemble(messages)
    assert complete["type"] == "historical_data_complete" and len(rows) == 24
    await eventually(lambda: queue.done >= 5, limit=120)  # the stalled jobs ended too (dropped)
    assert not queue.poison
