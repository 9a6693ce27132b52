"""The app reaches Web PubSub with a connection string (local host, func start) or with the service
endpoint and an Entra ID credential (managed identity in Azure): the sender and negotiate, through the
real service SDK, against a local HTTPS stand-in that only accepts the credential's bearer token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.settings import load_settings
from shared.webpubsub.sender import ServiceSender
from shared.webpubsub.service_client import WebPubSubAccess
from tests.webpubsub.entra_service import TOKEN, EntraWebPubSub, StaticCredential

HUB = "marketdata"
CONNECTION = "Endpoint=https://example.webpubsub.azure.com;AccessKey=c2VjcmV0;Version=1.0;"


@pytest.fixture
async def entra_service(tmp_path: Path) -> AsyncIterator[EntraWebPubSub]:
    service = EntraWebPubSub(tmp_path)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def _settings(**values: str):
    return load_settings(local_settings_file=None, **values)


def test_connection_string_wins_over_the_endpoint(monkeypatch):
    monkeypatch.setenv("WebPubSubConnectionString__serviceUri", "https://example.webpubsub.azure.com")
    settings = _settings(WebPubSubConnectionString=CONNECTION)
    access = WebPubSubAccess.from_settings(settings)
    assert access is not None and access.connection_string is not None and access.endpoint is None


def test_endpoint_alone_means_identity(monkeypatch):
    monkeypatch.delenv("WebPubSubConnectionString", raising=False)
    monkeypatch.setenv("WebPubSubConnectionString__serviceUri", "https://example.webpubsub.azure.com")
    access = WebPubSubAccess.from_settings(_settings())
    assert access == WebPubSubAccess(endpoint="https://example.webpubsub.azure.com")


def test_neither_means_not_configured(monkeypatch):
    monkeypatch.delenv("WebPubSubConnectionString", raising=False)
    monkeypatch.delenv("WebPubSubConnectionString__serviceUri", raising=False)
    assert WebPubSubAccess.from_settings(_settings()) is None
    with pytest.raises(ConfigurationError, match="serviceUri"):
        WebPubSubAccess().open(HUB)


def test_a_bad_connection_string_is_a_configuration_error_without_the_value():
    with pytest.raises(ConfigurationError) as caught:
        WebPubSubAccess(connection_string=SecretStr("AccessKey=hunter2-not-a-connection")).open(HUB)
    assert "hunter2" not in str(caught.value)


async def test_sender_sends_with_the_credential(entra_service: EntraWebPubSub):
    credential = StaticCredential()
    access = WebPubSubAccess(endpoint=entra_service.endpoint)
    async with ServiceSender(
        access, HUB, credential=credential, connection_verify=str(entra_service.cert), retry_total=0
    ) as sender:
        await sender.send("conn-1", orjson.dumps({"type": "historical_data_chunk", "seq": 0}))
    assert entra_service.sent == [(HUB, "conn-1", b'{"type":"historical_data_chunk","seq":0}')]
    assert [auth for _, _, auth in entra_service.requests] == [f"Bearer {TOKEN}"]
    assert credential.scopes == ["https://webpubsub.azure.com/.default"]
    assert credential.closed is False  # the caller's credential stays the caller's


async def test_a_wrong_token_is_refused(entra_service: EntraWebPubSub):
    from shared.webpubsub.sender import SendError

    access = WebPubSubAccess(endpoint=entra_service.endpoint)
    async with ServiceSender(
        access,
        HUB,
        credential=StaticCredential("someone-else"),
        connection_verify=str(entra_service.cert),
        retry_total=0,
    ) as sender:
        with pytest.raises(SendError, match="401"):
            await sender.send("conn-1", b"{}")
    assert entra_service.sent == []


async def test_client_token_is_minted_by_the_service(entra_service: EntraWebPubSub):
    """What negotiate does for an authenticated user when the app has no access key."""
    client, made = WebPubSubAccess(endpoint=entra_service.endpoint).open(
        HUB, credential=StaticCredential(), connection_verify=str(entra_service.cert)
    )
    assert made is None
    async with client:
        token = await client.get_client_access_token(user_id="alice", minutes_to_expire=60)
    assert token["token"] == "client-token-for-alice"
    assert (
        token["url"]
        == f"wss://127.0.0.1:{entra_service.port}/client/hubs/{HUB}?access_token=client-token-for-alice"
    )
    assert [(m, p) for m, p, _ in entra_service.requests] == [("POST", f"/api/hubs/{HUB}/:generateToken")]


async def test_composition_builds_an_identity_sender_from_settings(monkeypatch, tmp_path):
    from shared.composition import Services

    monkeypatch.delenv("WebPubSubConnectionString", raising=False)
    monkeypatch.setenv("WebPubSubConnectionString__serviceUri", "https://example.webpubsub.azure.com")
    settings = _settings(storage={"type": "local", "local_root_path": str(tmp_path)})
    services = Services.create(settings)
    try:
        assert isinstance(services.sender, ServiceSender)
        assert services.sender.hub == HUB
    finally:
        await services.aclose()
