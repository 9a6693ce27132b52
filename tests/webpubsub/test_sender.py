"""ServiceSender through the real service SDK against the fake Web PubSub REST API."""

from __future__ import annotations

import orjson
import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from pydantic import SecretStr

from shared.webpubsub.sender import ConnectionGone, SendError, ServiceSender
from tests.fakes.fixtures import HUB


async def test_a_message_arrives_as_exactly_one_json_document(webpubsub_fake, webpubsub_sender) -> None:
    message = orjson.dumps({"type": "historical_data_chunk", "seq": 0, "data": [[1, 2.5, 3, 1, 2, 9.0]]})
    await webpubsub_sender.send("conn-1", message)
    [sent] = webpubsub_fake.messages("conn-1")
    assert (sent.hub, sent.connection_id, sent.content_type) == (HUB, "conn-1", "application/json")
    assert sent.body == message
    assert sent.json()["seq"] == 0


async def test_the_sdks_own_send_would_encode_bytes_and_str_again(webpubsub_fake) -> None:
    """Why ServiceSender does not call send_to_connection: only a dict arrives as a JSON object."""
    client = WebPubSubServiceClient.from_connection_string(webpubsub_fake.connection_string, HUB)
    async with client:
        for message in (b'{"a":1}', '{"a":1}', {"a": 1}):
            await client.send_to_connection("c", message, content_type="application/json")
    assert [m.json() for m in webpubsub_fake.messages("c")] == ["eyJhIjoxfQ==", '{"a":1}', {"a": 1}]


@pytest.mark.parametrize(
    "connection_id", ["a/b", "x?y#z", "%41+=~", "...", "Zm9v-_.", "!$&'()*,;:@", "%2F%3D%2E%2E"]
)
async def test_connection_ids_are_quoted_into_the_url(
    webpubsub_fake, webpubsub_sender, connection_id
) -> None:
    await webpubsub_sender.send(connection_id, b"{}")
    assert [m.body for m in webpubsub_fake.messages(connection_id)] == [b"{}"]
    assert webpubsub_fake.rejected == []


@pytest.mark.parametrize("connection_id", [".", ".."])
async def test_dot_segments_never_reach_the_hub(webpubsub_fake, webpubsub_sender, connection_id) -> None:
    """yarl would resolve them, turning the send into a broadcast to the hub: refused before any request."""
    with pytest.raises(ConnectionGone):
        await webpubsub_sender.send(connection_id, b"{}")
    assert webpubsub_fake.sent == [] and webpubsub_fake.rejected == []


async def test_a_closed_connection_raises_connection_gone(webpubsub_fake, webpubsub_sender) -> None:
    webpubsub_fake.close_connection("conn-1")
    with pytest.raises(ConnectionGone):
        await webpubsub_sender.send("conn-1", b"{}")
    assert webpubsub_fake.messages("conn-1") == []


async def test_server_errors_raise_send_error(webpubsub_fake, webpubsub_sender) -> None:
    webpubsub_fake.fail_next(1, status=500, after=1)
    await webpubsub_sender.send("conn-1", b"[1]")
    with pytest.raises(SendError, match="500"):
        await webpubsub_sender.send("conn-1", b"[2]")
    await webpubsub_sender.send("conn-1", b"[3]")
    assert [m.json() for m in webpubsub_fake.messages("conn-1")] == [[1], [3]]


async def test_the_sdk_retries_transient_errors_itself_when_allowed(webpubsub_fake) -> None:
    sender = ServiceSender(
        SecretStr(webpubsub_fake.connection_string), HUB, retry_total=2, retry_backoff_factor=0.001
    )
    async with sender:
        webpubsub_fake.fail_next(2, status=503)
        await sender.send("conn-1", b"[1]")
    assert [m.json() for m in webpubsub_fake.messages("conn-1")] == [[1]]
    assert [status for status, _ in webpubsub_fake.rejected] == [503, 503]


async def test_a_wrong_access_key_is_refused_by_the_fake(webpubsub_fake) -> None:
    wrong = f"Endpoint={webpubsub_fake.endpoint};AccessKey={'A' * 44};Version=1.0;"
    async with ServiceSender(SecretStr(wrong), HUB, retry_total=0) as sender:
        with pytest.raises(SendError, match="401") as caught:
            await sender.send("conn-1", b"{}")
    assert webpubsub_fake.access_key not in str(caught.value)
    assert webpubsub_fake.sent == []
    assert webpubsub_fake.rejected[0][0] == 401


async def test_an_unreachable_service_raises_send_error(webpubsub_fake) -> None:
    endpoint = webpubsub_fake.endpoint
    await webpubsub_fake.stop()
    async with ServiceSender(
        SecretStr(f"Endpoint={endpoint};AccessKey={webpubsub_fake.access_key};Version=1.0;"),
        HUB,
        retry_total=0,
    ) as sender:
        with pytest.raises(SendError, match="unreachable"):
            await sender.send("conn-1", b"{}")
