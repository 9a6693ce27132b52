"""Turning ``azure.core`` exceptions into this service's ``StorageError`` / ``ConflictError``.

A client-facing message names the operation, the key, the HTTP status and the service's error code
("storage unreachable" when no answer came): never the endpoint, the account or the container. The
operator's log line (WARNING) adds the endpoint (scheme, host and path only) and container. Neither
quotes the SDK's own message, which may hold a request URL with a SAS token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from shared.errors import ConflictError, StorageError

log = logging.getLogger(__name__)

CONFLICT_STATUSES = frozenset({409, 412})


def safe_endpoint(url: str) -> str:
    """``scheme://host/path`` of ``url`` without query string or user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def status_of(exc: AzureError) -> int | None:
    return getattr(exc, "status_code", None) if isinstance(exc, HttpResponseError) else None


def to_storage_error(exc: AzureError, action: str, key: str, where: str) -> StorageError:
    """``ConflictError`` for lost conditions (409/412), ``StorageError`` for everything else."""
    status = status_of(exc)
    code = getattr(exc, "error_code", None)
    detail = f"HTTP {status}" if status is not None else type(exc).__name__
    if code:
        detail = f"{detail} {code}"
    target = f"{action} {key!r}" if key else action
    if status in CONFLICT_STATUSES:
        return ConflictError(f"Blob Storage refused to {target}: condition not met ({detail})", key=key)
    if isinstance(exc, ClientAuthenticationError):
        reason = "storage refused our credentials"
    elif isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        reason = "storage unreachable"
    else:
        reason = "storage request failed"
    log.warning("Blob Storage could not %s at %s: %s (%s)", target, where, reason, detail)
    return StorageError(f"{reason}: could not {target} ({detail})", key=key)
