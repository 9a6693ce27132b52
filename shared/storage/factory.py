"""The one place that turns ``StorageSettings`` into a ``StorageBackend``."""

from __future__ import annotations

from typing import Any

from shared.errors import ConfigurationError
from shared.settings import StorageSettings, azure_access
from shared.storage.backend import StorageBackend
from shared.storage.local_backend import LocalFileBackend


def create_backend(settings: StorageSettings, **azure_client_options: Any) -> StorageBackend:
    """``LocalFileBackend`` for ``type=local``, ``BlobBackend`` for ``type=azure``.

    ``azure_client_options`` go to the Blob ``ContainerClient`` (e.g. ``retry_total``); the caller owns
    the returned backend and must ``await backend.close()``.
    """
    if settings.type == "local":
        return LocalFileBackend(settings.local_root_path)
    if settings.type == "azure":
        azure_access(settings)  # fails before the Azure SDK is imported
        # Imported here so that local-only use does not pay for importing the Azure SDK (~0.2 s).
        from shared.storage.blob_backend import BlobBackend

        return BlobBackend.from_settings(settings, **azure_client_options)
    raise ConfigurationError(f"STORAGE_TYPE must be 'local' or 'azure', not {settings.type!r}")
