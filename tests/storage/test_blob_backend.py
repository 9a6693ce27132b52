"""What only the Blob backend has: construction from settings, the container, and closing."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.settings import StorageSettings
from shared.storage.blob_backend import BlobBackend
from tests.fixtures.azurite import DEV_ACCOUNT_KEY, AzuriteServer


@pytest.mark.azurite
async def test_from_settings_with_connection_string_creates_the_container(azurite: AzuriteServer) -> None:
    settings = StorageSettings(
        type="azure",
        azure_connection_string=SecretStr(azurite.connection_string),
        azure_container_name="from-settings",
    )
    backend = BlobBackend.from_settings(settings)
    try:
        await backend.ping()  # a missing container is not an error
        etag = await backend.write("ohlcv/x", b"payload", if_none_match=True)
        got = await backend.read("ohlcv/x")
        assert got is not None and (got.data, got.etag) == (b"payload", etag)
    finally:
        await backend.close()
    again = BlobBackend.from_settings(settings)  # an existing container is reused, not an error
    try:
        assert [info.key for info in await again.list("")] == ["ohlcv/x"]
        assert await again.delete("ohlcv/x") is True
    finally:
        await again.close()


def test_bad_connection_string_is_a_configuration_error_without_the_secret() -> None:
    secret = f"AccountName=devstoreaccount1;AccountKey={DEV_ACCOUNT_KEY}"  # no endpoint, no protocol
    settings = StorageSettings(type="azure", azure_connection_string=SecretStr("nonsense;" + secret))
    with pytest.raises(ConfigurationError, match="STORAGE_AZURE_CONNECTION_STRING") as caught:
        BlobBackend.from_settings(settings)
    assert DEV_ACCOUNT_KEY not in str(caught.value)
    assert caught.value.__cause__ is None


def test_neither_connection_string_nor_account_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="STORAGE_AZURE_ACCOUNT_URL"):
        BlobBackend.from_settings(StorageSettings.model_construct(type="azure"))


async def test_account_url_uses_managed_identity_and_close_closes_the_credential() -> None:
    settings = StorageSettings(type="azure", azure_account_url="https://acct.blob.core.windows.net")
    backend = BlobBackend.from_settings(settings)
    credential = backend._credential
    assert type(credential).__name__ == "DefaultAzureCredential"
    assert backend._container.url.startswith("https://acct.blob.core.windows.net/market-data")
    await backend.close()
