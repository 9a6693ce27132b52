"""``create_backend``: the one place that picks the backend from settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.settings import StorageSettings
from shared.storage.backend import StorageBackend
from shared.storage.factory import create_backend
from shared.storage.local_backend import LocalFileBackend
from tests.fixtures.azurite import AzuriteServer


async def test_local_is_the_default(tmp_path: Path) -> None:
    backend = create_backend(StorageSettings(local_root_path=tmp_path / "data"))
    assert isinstance(backend, LocalFileBackend) and backend.name == "local"
    await backend.write("k", b"v")
    assert (tmp_path / "data" / "k").read_bytes() == b"v"
    await backend.close()


def test_azure_without_connection_settings_fails_clearly() -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_backend(StorageSettings.model_construct(type="azure"))
    assert "STORAGE_AZURE_CONNECTION_STRING" in caught.value.message
    assert "STORAGE_AZURE_ACCOUNT_URL" in caught.value.message
    assert caught.value.code == "CONFIGURATION_ERROR"


@pytest.mark.azurite
async def test_azure_with_connection_string(azurite: AzuriteServer) -> None:
    settings = StorageSettings(
        type="azure",
        azure_connection_string=SecretStr(azurite.connection_string),
        azure_container_name="factory",
    )
    backend = create_backend(settings, retry_total=1)
    try:
        assert isinstance(backend, StorageBackend) and backend.name == "azure"
        etag = await backend.write("k", b"v")
        assert [(i.key, i.etag) for i in await backend.list("")] == [("k", etag)]
    finally:
        await backend.close()


async def test_development_storage_shortcut_is_accepted() -> None:
    settings = StorageSettings(type="azure", azure_connection_string=SecretStr("UseDevelopmentStorage=true"))
    backend = create_backend(settings)
    assert backend._container.url == "http://127.0.0.1:10000/devstoreaccount1/market-data"  # type: ignore[attr-defined]
    await backend.close()
