"""The stand-in's REST API for the app: ``:send`` to a connection and ``HEAD`` on a connection.

Both check the SDK's bearer token (``tokens.verify_service_token``), else 401; only the app's own hubs
are served (404 for any other). ``:send`` answers 202, 404 for an unknown connection, 413 over 1 MB and
400 for a body that is not a valid payload.
"""

from __future__ import annotations

from aiohttp import web

from shared.localhost.webpubsub import protocol as wire
from shared.localhost.webpubsub.connection import Connection
from shared.localhost.webpubsub.limits import MAX_MESSAGE_BYTES
from shared.localhost.webpubsub.registry import ConnectionRegistry
from shared.localhost.webpubsub.tokens import TokenRejected, verify_service_token


def require_hub(hubs: set[str] | None, hub: str) -> None:
    """404 unless ``hub`` is one of ``hubs`` (lower-cased; ``None``: any hub)."""
    if hubs is not None and hub.lower() not in hubs:
        raise web.HTTPNotFound(text=f"no hub {hub[:64]!r} here")


class RestApi:
    def __init__(self, access_key: str, connections: ConnectionRegistry, hubs: set[str] | None) -> None:
        self.access_key = access_key
        self.connections = connections
        self.hubs = hubs

    def find(self, request: web.Request) -> Connection | None:
        try:
            url = f"{request.scheme}://{request.host}{request.raw_path}"  # as the SDK signed it
            verify_service_token(request.headers.get("Authorization"), self.access_key, url)
        except TokenRejected as exc:
            raise web.HTTPUnauthorized(text=str(exc)) from None
        hub, connection_id = request.match_info["hub"], request.match_info["connection_id"]
        require_hub(self.hubs, hub)
        connection = self.connections.get(connection_id)
        return connection if connection is not None and connection.hub.lower() == hub.lower() else None

    async def exists(self, request: web.Request) -> web.Response:
        return web.Response(status=200 if self.find(request) is not None else 404)

    async def send(self, request: web.Request) -> web.Response:
        connection = self.find(request)
        if connection is None:
            return web.json_response({"code": "ConnectionNotFound"}, status=404)
        body = await request.read()
        if len(body) > MAX_MESSAGE_BYTES:
            return web.json_response({"code": "MessageTooLarge"}, status=413)
        try:
            payload = wire.payload_from_body(body, request.headers.get("Content-Type", ""))
            await connection.send_payload(payload)
        except wire.InvalidPayload as exc:
            return web.json_response({"code": "InvalidPayload", "message": str(exc)}, status=400)
        except ConnectionError:
            return web.json_response({"code": "ConnectionNotFound"}, status=404)
        return web.Response(status=202)
