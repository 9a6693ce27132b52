"""Storage calls have a deadline: the SDK's retry and timeouts come from settings, so a dead or
silent endpoint is reported after ``1 + STORAGE_AZURE_RETRY_TOTAL`` short attempts, not after the
SDK's ~80 s of backoff. (How long that takes is printed by ``python bench/storage_deadline.py``.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from shared.errors import StorageError
from shared.settings import StorageSettings
from shared.storage.blob_backend import BlobBackend
from shared.storage.blob_options import blob_client_options
from tests.fixtures.azurite import DEV_ACCOUNT, DEV_ACCOUNT_KEY


class SilentEndpoint:
    """Accepts connections, reads the request, and never answers (a hung load balancer)."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        await reader.read(65536)

    async def __aenter__(self) -> SilentEndpoint:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()


def settings_for(port: int, **values) -> StorageSettings:
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_ACCOUNT_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
    )
    return StorageSettings(type="azure", azure_connection_string=SecretStr(connection), **values)


@pytest.fixture
async def silent() -> AsyncIterator[SilentEndpoint]:
    async with SilentEndpoint() as endpoint:
        yield endpoint


@pytest.mark.parametrize("retries", [0, 2])
async def test_a_silent_endpoint_fails_after_the_configured_attempts(silent, retries):
    settings = settings_for(
        silent.port,
        azure_retry_total=retries,
        azure_retry_backoff_seconds=0.01,
        azure_read_timeout_seconds=0.3,
    )
    backend = BlobBackend.from_settings(settings)
    try:
        with pytest.raises(StorageError) as caught:
            await backend.read("ohlcv/k.parquet")
    finally:
        await backend.close()
    assert caught.value.code == "STORAGE_ERROR" and "storage unreachable" in caught.value.message
    assert silent.connections == 1 + retries


def test_defaults_report_a_dead_endpoint_within_seconds():
    options = blob_client_options(StorageSettings())
    policy = options["retry_policy"]
    assert policy.total_retries == 2 and policy.backoff == 0.5
    assert options["connection_timeout"] == 2.0 and options["read_timeout"] == 20.0
    # worst case for an endpoint that drops connection attempts: 3 connects + 2 backoffs (with jitter)
    assert 3 * options["connection_timeout"] + 2 * 1.5 * policy.backoff <= 10
