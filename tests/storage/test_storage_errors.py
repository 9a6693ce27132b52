"""Failures of the storage itself surface as ``StorageError`` with a clear message, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.errors import ConflictError, StorageError
from shared.storage.backend import StorageBackend
from tests.fixtures.azurite import DEV_ACCOUNT_KEY, AzuriteServer, free_port


@pytest.fixture(params=["local", pytest.param("azure", marks=pytest.mark.azurite)])
async def broken_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StorageBackend]:
    """A backend whose storage cannot work: a root below a regular file / an endpoint nobody serves."""
    if request.param == "local":
        from shared.storage.local_backend import LocalFileBackend

        blocker = tmp_path / "a-file"
        blocker.write_bytes(b"not a directory")
        backend: StorageBackend = LocalFileBackend(blocker / "root")
    else:
        from azure.storage.blob.aio import ContainerClient

        from shared.storage.blob_backend import BlobBackend

        dead = AzuriteServer(host="127.0.0.1", port=free_port(), pid=0, location=tmp_path)
        client = ContainerClient.from_connection_string(dead.connection_string, "nobody-home", retry_total=0)
        backend = BlobBackend(client)
    try:
        yield backend
    finally:
        await backend.close()


def assert_clear(error: StorageError, *words: str) -> None:
    """A code and a plain reason for the client: no key, and neither endpoint, account, container
    nor local root (those go to the operator's log)."""
    assert not isinstance(error, ConflictError)
    assert error.code == "STORAGE_ERROR"
    for word in words:
        assert word in error.message
    assert DEV_ACCOUNT_KEY not in error.message and "AccountKey" not in error.message
    for where in ("127.0.0.1", "http", "devstoreaccount1", "nobody-home", "a-file", "/tmp"):
        assert where not in error.message


async def test_write_failure_is_a_storage_error(broken_backend: StorageBackend) -> None:
    with pytest.raises(StorageError) as caught:
        await broken_backend.write("ohlcv/part.parquet", b"x")
    assert_clear(caught.value, "ohlcv/part.parquet")


async def test_conditional_write_failure_is_not_a_conflict(broken_backend: StorageBackend) -> None:
    with pytest.raises(StorageError) as caught:
        await broken_backend.write("k", b"x", if_none_match=True)
    assert_clear(caught.value, "'k'")


async def test_read_list_delete_failures_are_storage_errors(broken_backend: StorageBackend) -> None:
    if broken_backend.name == "local":
        # Reading below a regular file simply finds nothing: there is no object there.
        assert await broken_backend.read("k") is None
    else:
        with pytest.raises(StorageError) as caught:
            await broken_backend.read("k")
        assert_clear(caught.value, "storage unreachable", "read", "'k'")
        with pytest.raises(StorageError) as caught:
            await broken_backend.list("ohlcv/")
        assert_clear(caught.value, "list")
        with pytest.raises(StorageError) as caught:
            await broken_backend.delete("k")
        assert_clear(caught.value, "delete")


async def test_ping_reports_unusable_storage(broken_backend: StorageBackend, caplog) -> None:
    with pytest.raises(StorageError) as caught:
        await broken_backend.ping()
    assert_clear(caught.value, "storage unreachable")
    where = "127.0.0.1" if broken_backend.name == "azure" else "a-file"
    assert any(where in r.getMessage() for r in caplog.records)  # the operator learns where
