"""Where the historical job queue lives and how to reach it: ``AzureWebJobsStorage`` in either form.

The Functions host accepts its storage as a connection string (``AzureWebJobsStorage``; locally
``UseDevelopmentStorage=true``) or identity-based, as the Bicep in infra/ sets it:
``AzureWebJobsStorage__queueServiceUri`` (or ``__accountName``), ``__credential=managedidentity`` and
``__clientId`` (the user-assigned identity). Health reads the queue the same way the host does: with
the connection string when there is one, else with ``ManagedIdentityCredential(client_id)`` when
``__credential`` is ``managedidentity``, else with ``DefaultAzureCredential`` (which honours
``__clientId`` as the managed identity to use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.storage.queue.aio import QueueClient

MANAGED_IDENTITY = "managedidentity"


@dataclass(frozen=True)
class JobQueueAccess:
    """One of: ``connection_string``, or ``account_url`` (identity-based) with its credential choice."""

    connection_string: str | None = None
    account_url: str | None = None
    credential: str | None = None  # the host's ``__credential``: "managedidentity" or unset
    client_id: str | None = None

    @property
    def identity_based(self) -> bool:
        return self.connection_string is None


def job_queue_access(
    connection_string: str | None,
    queue_service_uri: str | None = None,
    account_name: str | None = None,
    credential: str | None = None,
    client_id: str | None = None,
) -> JobQueueAccess | None:
    """The access the settings describe, or ``None`` when ``AzureWebJobsStorage`` is set in no form.
    A connection string wins, as it does for the host."""
    if connection_string:
        return JobQueueAccess(connection_string=connection_string)
    url = queue_service_uri or (f"https://{account_name}.queue.core.windows.net" if account_name else None)
    if not url:
        return None
    return JobQueueAccess(
        account_url=url.rstrip("/"), credential=credential or None, client_id=client_id or None
    )


def token_credential(access: JobQueueAccess) -> AsyncTokenCredential:
    """The credential of an identity-based ``access`` (the caller closes it)."""
    from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

    if (access.credential or "").lower() == MANAGED_IDENTITY:
        return ManagedIdentityCredential(client_id=access.client_id)
    if access.client_id:
        return DefaultAzureCredential(managed_identity_client_id=access.client_id)
    return DefaultAzureCredential()


def queue_client(
    access: JobQueueAccess, queue_name: str, options: dict[str, Any], credential: AsyncTokenCredential | None
) -> QueueClient:
    """A ``QueueClient`` for ``queue_name``: from the connection string, else at the account URL with
    ``credential`` (``token_credential``; the caller closes it). Raises ``ValueError`` for a
    connection string or URL the SDK cannot use."""
    from azure.storage.queue.aio import QueueClient

    if access.connection_string is not None:
        return QueueClient.from_connection_string(access.connection_string, queue_name, **options)
    if access.account_url is None or credential is None:
        raise ValueError("identity-based queue access needs an account URL and a credential")
    return QueueClient(access.account_url, queue_name, credential=credential, **options)
