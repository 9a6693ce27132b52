"""The one place that builds the Web PubSub service SDK client from the settings.

Two ways in, like the Functions extension's: a connection string with an access key
(``WebPubSubConnectionString``; the local host's stand-in and ``func start`` use it), or the service
endpoint with an Entra ID credential (``WebPubSubConnectionString__serviceUri``; in Azure the app's
managed identity, which needs the Web PubSub Service Owner role). The connection string wins when both
are set. With a credential, ``get_client_access_token`` asks the service to mint the client token
(``:generateToken``) instead of signing it with a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from shared.errors import ConfigurationError

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

    from shared.settings import Settings

NOT_CONFIGURED = (
    "Web PubSub is not configured (WebPubSubConnectionString, or WebPubSubConnectionString__serviceUri "
    "with a managed identity)"
)


@dataclass(frozen=True)
class WebPubSubAccess:
    """How the app reaches the Web PubSub service: exactly one of the two is set."""

    connection_string: SecretStr | None = None
    endpoint: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> WebPubSubAccess | None:
        """The connection string when set, else the service endpoint; ``None``: not configured."""
        if settings.webpubsub_connection_string is not None:
            return cls(connection_string=settings.webpubsub_connection_string)
        if settings.webpubsub_service_uri:
            return cls(endpoint=settings.webpubsub_service_uri)
        return None

    def open(
        self, hub: str, *, credential: AsyncTokenCredential | None = None, **client_options: Any
    ) -> tuple[WebPubSubServiceClient, AsyncTokenCredential | None]:
        """A new SDK client for ``hub`` and the credential this call made (the caller closes both;
        a ``credential`` passed in stays the caller's and is returned as ``None``)."""
        from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

        if self.connection_string is not None:
            try:
                client = WebPubSubServiceClient.from_connection_string(
                    self.connection_string.get_secret_value(), hub, **client_options
                )
            except (ValueError, KeyError):
                # ``from None``: the SDK's message may quote the connection string.
                raise ConfigurationError(
                    "WebPubSubConnectionString is not a valid Web PubSub connection string "
                    "(expected 'Endpoint=https://<name>.webpubsub.azure.com;AccessKey=...;Version=1.0;')"
                ) from None
            return client, None
        if not self.endpoint:
            raise ConfigurationError(NOT_CONFIGURED)
        made = None
        if credential is None:
            from azure.identity.aio import DefaultAzureCredential

            credential = made = DefaultAzureCredential()
        return WebPubSubServiceClient(self.endpoint, hub, credential, **client_options), made
