"""Sending messages to one Web PubSub client connection through the service's REST API.

Why not ``WebPubSubServiceClient.send_to_connection``: with ``content_type="application/json"`` the SDK
passes the message to ``json.dumps``, so a ``str`` arrives as a JSON *string* holding the JSON and
``bytes`` arrive as a base64 string; only a ``dict`` survives, and re-encoding every chunk through the
standard library costs about a second per year of 1-minute candles. So ``ServiceSender`` sends the
already encoded bytes unchanged through the same SDK client's ``send_request`` (its pipeline still
signs the request, retries, and logs without secrets): one message is one JSON document for the client.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from azure.core.exceptions import AzureError
from azure.core.rest import HttpRequest
from pydantic import SecretStr

from shared.webpubsub.service_client import WebPubSubAccess
from shared.webpubsub.trigger import shown

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

log = logging.getLogger(__name__)
API_VERSION = "2024-12-01"  # the SDK's own default in 1.3.0
# Left unescaped in path segments: the HTTP transport (yarl) would unescape them after the SDK signed the
# URL (the JWT audience), and the signed URL must be the one on the wire.
_PATH_SAFE = "!$&'()*+,;=:@~"
DEFAULT_RETRY = {"retry_total": 3, "retry_backoff_factor": 0.5, "retry_backoff_max": 8}


class SendError(Exception):
    """The service did not take the message (unreachable, 5xx, throttled, key refused): transient."""


class ConnectionGone(Exception):
    """The connection no longer exists (the service answered 404): stop sending to it."""


class ConnectionSender(Protocol):
    async def send(self, connection_id: str, message: bytes, *, hub: str | None = None) -> None:
        """Deliver one JSON message to a connection of ``hub`` (default: the sender's hub);
        ``ConnectionGone`` or ``SendError`` when it cannot."""
        ...


class ServiceSender:
    """``ConnectionSender`` on ``azure.messaging.webpubsubservice.aio``.

    ``client_options`` go to the SDK client. Its pipeline retries 408/429/5xx and network errors of
    one send; azure-core's default (10 retries, backoff up to 120 s) would stall a worker for minutes,
    so a few quick retries are the default here and the queue retries the job after that."""

    def __init__(
        self,
        access: SecretStr | WebPubSubAccess,
        hub: str,
        *,
        credential: AsyncTokenCredential | None = None,
        **client_options: Any,
    ) -> None:
        """``access``: a connection string, or a ``WebPubSubAccess`` (endpoint + Entra ID credential:
        ``credential`` when given, else a ``DefaultAzureCredential`` this sender makes and closes)."""
        if isinstance(access, SecretStr):
            access = WebPubSubAccess(connection_string=access)
        for option, value in DEFAULT_RETRY.items():
            client_options.setdefault(option, value)
        self.hub = hub
        self._client, self._credential = access.open(hub, credential=credential, **client_options)

    async def send(self, connection_id: str, message: bytes, *, hub: str | None = None) -> None:
        if connection_id in (".", ".."):  # a dot segment would address the whole hub; no connection has it
            raise ConnectionGone(f"connection {shown(connection_id)} cannot exist")
        request = HttpRequest(
            "POST",
            f"/api/hubs/{_segment(hub or self.hub)}/connections/{_segment(connection_id)}/:send",
            params={"api-version": API_VERSION},
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            content=bytes(message),
        )
        try:
            response = await self._client.send_request(request)
        except AzureError as exc:
            raise SendError(f"Web PubSub is unreachable ({type(exc).__name__})") from None
        if response.status_code == 404:
            raise ConnectionGone(f"connection {shown(connection_id)} is gone")
        if response.status_code != 202:
            raise SendError(f"Web PubSub answered HTTP {response.status_code} to a send")

    async def aclose(self) -> None:
        try:
            await self._client.close()
        finally:
            if self._credential is not None:
                await self._credential.close()

    async def __aenter__(self) -> ServiceSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _segment(text: str) -> str:
    return quote(text, safe=_PATH_SAFE)
