"""``StorageBackend`` on Azure Blob Storage (``azure.storage.blob.aio``), one block blob per key.

Every ``upload_blob`` is a single Put Blob for objects up to the SDK's single-put size (64 MiB), so a
reader sees the old or the new bytes, never a mix. Conditions are sent to the service, which decides
atomically: ``if_match`` -> ``If-Match: <etag>`` (``MatchConditions.IfNotModified``), ``if_none_match`` ->
``If-None-Match: *`` (``MatchConditions.IfMissing``). Lost conditions (409, 412, or 404 with ``if_match``)
raise ``ConflictError``; every other ``AzureError`` becomes a ``StorageError`` (see ``blob_errors``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from azure.core import MatchConditions
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob.aio import ContainerClient
from pydantic import SecretStr

from shared.errors import ConfigurationError, ConflictError, StorageError
from shared.settings import StorageSettings, azure_access
from shared.storage.backend import ObjectInfo, StoredObject
from shared.storage.blob_errors import safe_endpoint, status_of, to_storage_error
from shared.storage.blob_options import blob_client_options
from shared.storage.keys import validate_key, validate_prefix


def _etag(value: str) -> str:
    # Headers carry quoted ETags while listings may carry bare ones: always hand out the quoted form.
    return value if value.startswith('"') else f'"{value}"'


class BlobBackend:
    name = "azure"

    def __init__(
        self,
        container: ContainerClient,
        *,
        credential: AsyncTokenCredential | None = None,
        create_container: bool = True,
    ) -> None:
        """``container`` is owned by the backend from now on (closed by ``close``), as is ``credential``."""
        self._container = container
        self._credential = credential
        self._container_ready = not create_container
        self._create_lock = asyncio.Lock()
        self._where = f"{safe_endpoint(container.url)} (container {container.container_name!r})"

    @classmethod
    def from_settings(cls, settings: StorageSettings, **client_options: Any) -> BlobBackend:
        """Connection string (``UseDevelopmentStorage=true`` works) or account URL + managed identity.

        ``client_options`` go to the ``ContainerClient`` over the deadlines from settings
        (``shared.storage.blob_options``; e.g. ``retry_policy``, ``connection_timeout``).
        """
        name = settings.azure_container_name
        client_options = {**blob_client_options(settings), **client_options}
        access = azure_access(settings)
        if isinstance(access, SecretStr):
            try:
                client = ContainerClient.from_connection_string(
                    access.get_secret_value(), name, **client_options
                )
            except (ValueError, AzureError):
                # ``from None``: the SDK's message may quote the connection string.
                raise ConfigurationError(
                    "STORAGE_AZURE_CONNECTION_STRING is not a valid Azure Storage connection string "
                    "(expected 'UseDevelopmentStorage=true' or 'AccountName=...;AccountKey=...;...')"
                ) from None
            return cls(client)
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
        client = ContainerClient(access, name, credential=credential, **client_options)
        return cls(client, credential=credential)

    async def _ensure_container(self, key: str) -> None:
        if self._container_ready:
            return
        async with self._create_lock:
            if self._container_ready:
                return
            try:
                await self._container.create_container()
            except ResourceExistsError:
                pass
            except AzureError as exc:
                raise to_storage_error(
                    exc, f"create the container to write {key!r}", "", self._where
                ) from None
            self._container_ready = True

    async def read(self, key: str, *, offset: int = 0, length: int | None = None) -> StoredObject | None:
        validate_key(key)
        if offset < 0 or (length is not None and length < 0):
            raise StorageError(f"invalid byte range: offset={offset}, length={length} (both must be >= 0)")
        try:
            if length == 0:
                return await self._empty_range(key)
            start = offset if offset or length is not None else None  # no Range header for a whole read
            downloader = await self._container.download_blob(key, offset=start, length=length)
            data = await downloader.readall()
        except ResourceNotFoundError:
            return None
        except HttpResponseError as exc:
            if status_of(exc) == 416:  # range starts at or after the end of the blob
                return await self._empty_range(key)
            raise to_storage_error(exc, "read", key, self._where) from None
        except AzureError as exc:
            raise to_storage_error(exc, "read", key, self._where) from None
        props = downloader.properties
        total = int(props.content_range.rsplit("/", 1)[1]) if props.content_range else len(data)
        return StoredObject(data=data, etag=_etag(props.etag), size=total)

    async def _empty_range(self, key: str) -> StoredObject | None:
        try:
            props = await self._container.get_blob_client(key).get_blob_properties()
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise to_storage_error(exc, "read", key, self._where) from None
        return StoredObject(data=b"", etag=_etag(props.etag), size=props.size)

    async def write(
        self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False
    ) -> str:
        validate_key(key)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise StorageError(f"cannot write {key!r}: data must be bytes, not {type(data).__name__}")
        conditions: dict[str, Any] = {}
        if if_match is not None:
            conditions = {"etag": if_match, "match_condition": MatchConditions.IfNotModified}
        elif if_none_match:
            conditions = {"match_condition": MatchConditions.IfMissing}
        await self._ensure_container(key)
        try:
            # The BlobClient shares the container client's pipeline; ``close`` of the container closes both.
            blob = self._container.get_blob_client(key)
            result = await blob.upload_blob(bytes(data), overwrite=True, **conditions)
        except AzureError as exc:
            raise self._mutation_error(exc, "write", key, if_match) from None
        return _etag(result["etag"])

    async def list(self, prefix: str) -> list[ObjectInfo]:
        validate_prefix(prefix)
        found: list[ObjectInfo] = []
        try:
            async for blob in self._container.list_blobs(name_starts_with=prefix or None):
                found.append(ObjectInfo(key=blob.name, size=blob.size, etag=_etag(blob.etag)))
        except ResourceNotFoundError:
            return []  # the container does not exist yet: nothing stored
        except AzureError as exc:
            raise to_storage_error(exc, "list", prefix, self._where) from None
        found.sort(key=lambda info: info.key)
        return found

    async def delete(self, key: str, *, if_match: str | None = None) -> bool:
        validate_key(key)
        conditions: dict[str, Any] = {}
        if if_match is not None:
            conditions = {"etag": if_match, "match_condition": MatchConditions.IfNotModified}
        try:
            await self._container.delete_blob(key, **conditions)
        except ResourceNotFoundError:
            if if_match is not None:
                raise ConflictError(f"cannot delete {key!r}: the object no longer exists", key=key) from None
            return False
        except AzureError as exc:
            raise self._mutation_error(exc, "delete", key, if_match) from None
        return True

    def _mutation_error(self, exc: AzureError, action: str, key: str, if_match: str | None) -> StorageError:
        if if_match is not None and status_of(exc) == 404:
            return ConflictError(f"cannot {action} {key!r}: the object no longer exists", key=key)
        return to_storage_error(exc, action, key, self._where)

    async def ping(self) -> None:
        try:
            await self._container.get_container_properties()
        except ResourceNotFoundError:
            return  # the account answered; the container is created on the first write
        except AzureError as exc:
            raise to_storage_error(exc, "reach the container", "", self._where) from None

    async def close(self) -> None:
        try:
            await self._container.close()
        finally:
            if self._credential is not None:
                await self._credential.close()
