"""The Azure Storage SDK's retry and timeouts, from settings: the one home of the storage deadlines.

The SDK's default retry waits 15 s, then 18 s, then 24 s (plus jitter) before it gives up, so a dead
endpoint took over 80 s to report. Here a few quick, evenly spaced retries (``LinearRetry``) and short
connect timeouts make an unreachable account an error within seconds; whoever called (a client, the
queue's redelivery, the next timer run) retries at its own pace.
"""

from __future__ import annotations

from typing import Any

from shared.settings import StorageSettings


def blob_client_options(settings: StorageSettings) -> dict[str, Any]:
    """Keyword options for a ``ContainerClient`` (``azure.storage.blob.aio``)."""
    from azure.storage.blob.aio import LinearRetry

    backoff = settings.azure_retry_backoff_seconds
    retry = LinearRetry(
        backoff=backoff,  # type: ignore[arg-type]  # typed int, used as a float
        retry_total=settings.azure_retry_total,
        random_jitter_range=backoff / 2,  # type: ignore[arg-type]
    )
    return {"retry_policy": retry, **probe_options(settings)}


def probe_options(settings: StorageSettings) -> dict[str, Any]:
    """Timeouts alone (any Azure Storage client), for one-call probes that retry nothing."""
    return {
        "connection_timeout": settings.azure_connect_timeout_seconds,
        "read_timeout": settings.azure_read_timeout_seconds,
    }
