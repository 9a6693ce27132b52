"""The official ``azure-messaging-webpubsubclient`` against the stand-in, both subprotocols, unchanged."""

from __future__ import annotations

import asyncio

import pytest
from azure.messaging.webpubsubclient.aio import WebPubSubClient as AsyncWebPubSubClient
from azure.messaging.webpubsubclient.models import (
    CallbackType,
    OpenClientError,
    SendMessageError,
    WebPubSubProtocolType,
)

from tests.localhost.test_standin_fixtures import HUB, OfficialClient, StandInServer, standin_fixture  # noqa: F401


@pytest.mark.parametrize("reliable", [True, False], ids=["reliable", "json"])
async def test_event_is_dispatched_acked_and_the_reply_delivered(
    standin: StandInServer, reliable: bool
) -> None:
    client = OfficialClient(standin.client_url("alice"), reliable=reliable)
    connection_id = await client.open()
    try:
        await client.send_event("echo", {"n": 1, "s": "é"}, "json")  # returns once acked with success
        message = await client.next_message()
        assert message.data == {"echo": {"n": 1, "s": "é"}}
        assert message.data_type == "json"
        assert (message.sequence_id is not None) is reliable
        call = standin.dispatch.calls[0]
        assert (call.hub, call.event_name, call.connection_id, call.user_id) == (
            HUB,
            "echo",
            connection_id,
            "alice",
        )
        assert (call.data, call.data_type) == ('{"n":1,"s":"é"}', "json")
        await client.send_event("note", "plain words", "text")
        assert standin.dispatch.calls[1].data == "plain words"
        assert standin.dispatch.calls[1].data_type == "text"
        assert client.messages.empty()  # no reply from ``note``
    finally:
        await client.close()
    assert await client.threads_left() == set()


async def test_a_failing_handler_fails_the_ack_and_keeps_the_socket(standin: StandInServer) -> None:
    client = OfficialClient(standin.client_url())
    await client.open()
    try:
        with pytest.raises(SendMessageError) as failure:
            await client.send_event("fail", {"x": 1}, "json")
        assert failure.value.error_detail.name == "InternalServerError"
        assert "RuntimeError" in failure.value.error_detail.message
        await client.send_event("echo", {"still": "here"}, "json")
        assert (await client.next_message()).data == {"echo": {"still": "here"}}
        assert [c.event_name for c in standin.dispatch.calls] == ["fail", "echo"]
    finally:
        await client.close()


async def test_the_user_id_is_optional(standin: StandInServer) -> None:
    client = OfficialClient(standin.client_url(None), reliable=False)
    await client.open()
    try:
        await client.send_event("note", {}, "json")
        assert standin.dispatch.calls[0].user_id is None
    finally:
        await client.close()


@pytest.mark.parametrize("problem", ["wrong key", "expired", "wrong hub"])
async def test_a_bad_token_is_refused_before_the_upgrade(standin: StandInServer, problem: str) -> None:
    url = {
        "wrong key": standin.client_url(key="another-key-entirely-another-key-entirely"),
        "expired": standin.client_url(minutes=-1),
        "wrong hub": standin.client_url().replace(f"/client/hubs/{HUB}?", "/client/hubs/otherhub?"),
    }[problem]
    client = OfficialClient(url, reliable=False, reconnect_retry_total=0, start_timeout=5.0)
    with pytest.raises(OpenClientError, match="401"):
        await client.open()
    assert standin.standin.connection_ids() == []
    await client.close()
    assert await client.threads_left() == set()


async def test_close_disconnects_every_client(standin: StandInServer) -> None:
    clients = [
        OfficialClient(standin.client_url(), reliable=reliable, reconnect_retry_total=0)
        for reliable in (True, False)
    ]
    for client in clients:
        await client.open()
    assert len(standin.standin.connection_ids(HUB)) == 2
    await standin.standin.close()
    for client in clients:
        assert await asyncio.to_thread(client.stopped.wait, 10)
        assert not client.client.is_connected()
        assert await client.threads_left() == set()
    assert standin.standin.connection_ids() == []
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("standin-")] == []


async def test_the_async_client_works_too(standin: StandInServer) -> None:
    received: asyncio.Queue = asyncio.Queue()

    async def on_message(args) -> None:
        await received.put(args.data)

    for protocol in (WebPubSubProtocolType.JSON_RELIABLE, WebPubSubProtocolType.JSON):
        client = AsyncWebPubSubClient(standin.client_url(), protocol_type=protocol, message_retry_total=0)
        await client.subscribe(CallbackType.SERVER_MESSAGE, on_message)
        await client.open()
        try:
            await client.send_event("echo", {"protocol": str(protocol)}, "json")
            assert await asyncio.wait_for(received.get(), 10) == {"echo": {"protocol": str(protocol)}}
        finally:
            await client.close()
