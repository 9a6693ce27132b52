"""The stand-in's REST API driven by the real service SDK, and its wire protocol seen by a raw socket."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from pydantic import SecretStr

from shared.localhost.webpubsub.protocol import JSON, RELIABLE
from shared.webpubsub.sender import ConnectionGone, SendError, ServiceSender
from tests.localhost.test_standin_fixtures import HUB, OfficialClient, StandInServer, standin_fixture  # noqa: F401


async def test_service_sender_reaches_the_official_client_as_one_json_document(
    standin: StandInServer,
) -> None:
    client = OfficialClient(standin.client_url())
    connection_id = await client.open()
    try:
        async with ServiceSender(SecretStr(standin.connection_string), HUB) as sender:
            chunk = {"type": "historical_data_chunk", "seq": 0, "rows": [[1, 2.5, 3, 1, 2, 10]] * 5_000}
            await sender.send(connection_id, orjson.dumps(chunk))
            await sender.send(connection_id, orjson.dumps({"seq": 1}))
            first, second = await client.next_message(), await client.next_message()
            assert first.data == chunk and first.data_type == "json"
            assert second.data == {"seq": 1}
            assert second.sequence_id == first.sequence_id + 1
            with pytest.raises(ConnectionGone):
                await sender.send("no-such-connection", b"{}")
    finally:
        await client.close()


async def test_head_tells_whether_a_connection_exists(standin: StandInServer) -> None:
    client = OfficialClient(standin.client_url(), reliable=False)
    connection_id = await client.open()
    async with WebPubSubServiceClient.from_connection_string(standin.connection_string, HUB) as service:
        assert await service.connection_exists(connection_id) is True
        assert await service.connection_exists("no-such-connection") is False
        await client.close()
        for _ in range(100):  # the server learns of the close frame shortly after the client sent it
            if not standin.standin.connection_ids():
                break
            await asyncio.sleep(0.05)
        assert await service.connection_exists(connection_id) is False


async def test_a_request_signed_with_another_key_is_refused(standin: StandInServer) -> None:
    client = OfficialClient(standin.client_url(), reliable=False)
    connection_id = await client.open()
    try:
        wrong = standin.connection_string.replace(
            standin.access_key, "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="
        )
        async with ServiceSender(SecretStr(wrong), HUB, retry_total=0) as sender:
            with pytest.raises(SendError, match="401"):
                await sender.send(connection_id, b'{"a": 1}')
        async with aiohttp.ClientSession() as http:
            url = f"{standin.endpoint}/api/hubs/{HUB}/connections/{connection_id}/:send"
            async with http.post(url, data=b"{}", headers={"Content-Type": "application/json"}) as response:
                assert response.status == 401
        assert client.messages.empty()
    finally:
        await client.close()


async def _raw(
    http: aiohttp.ClientSession, url: str, protocol: str
) -> tuple[aiohttp.ClientWebSocketResponse, dict]:
    ws = await http.ws_connect(url, protocols=[protocol])
    return ws, orjson.loads((await ws.receive(timeout=10)).data)


async def test_reliable_messages_are_numbered_and_resent_after_recovery(standin: StandInServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        ServiceSender(SecretStr(standin.connection_string), HUB) as sender,
    ):
        ws, hello = await _raw(http, standin.client_url(), RELIABLE)
        assert hello["type"] == "system" and hello["event"] == "connected" and hello["userId"] == "user-1"
        connection_id, token = hello["connectionId"], hello["reconnectionToken"]
        for n in range(3):
            await sender.send(connection_id, orjson.dumps({"n": n}))
        frames = [orjson.loads((await ws.receive(timeout=10)).data) for _ in range(3)]
        assert [(f["sequenceId"], f["data"]) for f in frames] == [(1, {"n": 0}), (2, {"n": 1}), (3, {"n": 2})]
        assert all(
            f["type"] == "message" and f["from"] == "server" and f["dataType"] == "json" for f in frames
        )
        await ws.send_str(orjson.dumps({"type": "sequenceAck", "sequenceId": 2}).decode())
        await ws.send_str('{"type": "ping"}')  # the pong proves the server read the ack before the drop
        assert orjson.loads((await ws.receive(timeout=10)).data) == {"type": "pong"}
        ws._response.connection.transport.abort()  # type: ignore[union-attr]  # a drop, no close frame
        await ws.close()
        for _ in range(100):
            if await _recovering(standin, connection_id):
                break
        await sender.send(connection_id, orjson.dumps({"n": 3}))  # kept while the client is away
        recovery = (
            f"{standin.client_url()}&awps_connection_id={connection_id}&awps_reconnection_token={token}"
        )
        ws, hello = await _raw(http, recovery, RELIABLE)
        assert hello["connectionId"] == connection_id
        frames = [orjson.loads((await ws.receive(timeout=10)).data) for _ in range(2)]
        assert [(f["sequenceId"], f["data"]) for f in frames] == [(3, {"n": 2}), (4, {"n": 3})]
        bad = f"{standin.client_url()}&awps_connection_id={connection_id}&awps_reconnection_token=wrong"
        refused = await http.ws_connect(bad, protocols=[RELIABLE])
        assert (await refused.receive(timeout=10)).type is aiohttp.WSMsgType.CLOSE
        assert refused.close_code == 1008
        await ws.close()


async def _recovering(server: StandInServer, cid: str) -> bool:
    """True once the stand-in noticed the drop (the connection waits for recovery, no socket attached)."""
    await asyncio.sleep(0.05)
    connection = server.standin._connections.get(cid)
    return connection is not None and connection.ws is None


async def test_bad_frames_are_answered_or_ignored_and_big_ones_close(standin: StandInServer) -> None:
    async with aiohttp.ClientSession() as http:
        ws, _ = await _raw(http, standin.client_url(), JSON)

        async def ask(frame: dict) -> dict:
            await ws.send_str(orjson.dumps(frame).decode())
            return orjson.loads((await ws.receive(timeout=10)).data)

        await ws.send_str("not json")
        unknown = await ask({"type": "somethingNew", "ackId": 9})
        assert (unknown["ackId"], unknown["error"]["name"]) == (9, "BadRequest")
        await ws.send_bytes(b'{"type": "event"}')
        assert await ask({"type": "event", "event": "note", "ackId": 1, "dataType": "json", "data": 5}) == {
            "type": "ack",
            "ackId": 1,
            "success": True,
        }
        duplicate = await ask({"type": "event", "event": "note", "ackId": 1, "dataType": "json", "data": 6})
        assert duplicate["success"] is False and duplicate["error"]["name"] == "Duplicate"
        invalid = await ask(
            {"type": "event", "event": "note", "ackId": 2, "dataType": "text", "data": {"a": 1}}
        )
        assert invalid["success"] is False and invalid["error"]["name"] == "BadRequest"
        group = await ask({"type": "joinGroup", "group": "g", "ackId": 3})
        assert group["success"] is False and group["error"]["name"] == "Forbidden"
        assert await ask({"type": "ping"}) == {"type": "pong"}
        assert [c.data for c in standin.dispatch.calls] == ["5"]
        await ws.send_str("x" * (1_048_576 + 1))
        closing = await ws.receive(timeout=10)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1009 and "1048576" in closing.extra
