"""A local stand-in for Azure Web PubSub: the client WebSocket endpoint and the REST ``:send`` API.

    standin = WebPubSubStandIn(access_key, dispatch, hubs={"marketdata"}, limits=StandInLimits())
    standin.routes(app)                                 # an aiohttp Application served on the local host
    ...
    await standin.close()                               # every socket closed, every task ended

``GET /client/hubs/{hub}`` upgrades to a WebSocket speaking ``json.webpubsub.azure.v1`` or
``json.reliable.webpubsub.azure.v1`` after checking ``?access_token=`` (``tokens.verify_client_token``:
401 before the upgrade when it is missing, signed with another key, expired or for another hub). The
client first gets ``{"type":"system","event":"connected",...}`` (plus ``reconnectionToken`` when
reliable). ``POST /api/hubs/{hub}/connections/{id}/:send`` (202; 404 for an unknown connection) delivers
the body to that socket as one server message, ``HEAD`` on the connection answers 200 or 404; both check
the SDK's bearer token, else 401 (``rest_api``). Open connections are kept in ``registry``. Only the
app's own ``hubs`` are served (404 for any other, token or not). Bounds (``limits``): connections at
once, kept bytes across connections, and a per-connection outbox with a send timeout, so one slow
client never stalls a sender.

Choices where the real service differs or is not documented:
- A client ``event`` is passed to ``dispatch`` and its ``ackId`` answered after dispatch returned: success;
  ``BadRequest`` when no function handles the event (a client error: one log line, no traceback); or
  ``InternalServerError`` when dispatch failed. The real service drops the connection when the app fails
  a user event; the stand-in keeps it (and logs) so a bug is reported to the caller instead of turning
  into a reconnect loop. A repeated ``ackId`` is answered ``Duplicate`` without dispatching, as the
  service's idempotent send does. A frame that is not valid (no event name, bad dataType/data, not JSON,
  JSON nested too deeply, ``NaN``, an unknown ``type``) is answered ``BadRequest`` when its ``ackId``
  can be read. Every ack leaves in the order its frame came (``events``).
- Frames without a readable ``ackId`` that are not understood, and binary frames, are ignored with a
  warning (the real service's handling of them is not documented).
- Inbound frames over 1 MB (the service's limit) close the socket with 1009 and a reason; aiohttp itself
  refuses frames over twice that, with 1009 and no reason.
- Group operations are refused (``Forbidden``): tokens minted here have no roles.
- Reliable connections that drop without a close frame can be recovered for 30 s (``connection``);
  a recovery that cannot be honoured is closed with 1008. ``close`` also uses 1008, which stops the
  official client's recovery attempts. Acks are sent 20 ms late on purpose (``events``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from shared.localhost.webpubsub import protocol as wire
from shared.localhost.webpubsub.connection import RECOVERY_SECONDS, Connection
from shared.localhost.webpubsub.events import Dispatch, UserEventCall, handle_event, receive
from shared.localhost.webpubsub.limits import MAX_MESSAGE_BYTES, StandInLimits, UnackedBudget
from shared.localhost.webpubsub.protocol import ClientFrame
from shared.localhost.webpubsub.registry import ConnectionRegistry
from shared.localhost.webpubsub.rest_api import RestApi, require_hub
from shared.localhost.webpubsub.tokens import TokenRejected, verify_client_token

log = logging.getLogger(__name__)


class WebPubSubStandIn:
    def __init__(
        self,
        access_key: str,
        dispatch: Dispatch,
        *,
        hubs: set[str] | None = None,
        limits: StandInLimits | None = None,
    ) -> None:
        self._access_key = access_key
        self._dispatch = dispatch
        self._hubs = {h.lower() for h in hubs} if hubs is not None else None  # None: any hub
        self.limits = limits or StandInLimits()
        self._budget = UnackedBudget(self.limits.max_unacked_bytes)
        self._connections = ConnectionRegistry()
        self._rest = RestApi(access_key, self._connections, self._hubs)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/client/hubs/{hub}", self._client)
        app.router.add_post("/api/hubs/{hub}/connections/{connection_id}/:send", self._rest.send)
        app.router.add_route("HEAD", "/api/hubs/{hub}/connections/{connection_id}", self._rest.exists)

    def unacked_bytes(self) -> int:
        """Bytes kept for recovery, all connections together (at most ``limits.max_unacked_bytes``)."""
        return self._budget.used

    def connection_ids(self, hub: str | None = None) -> list[str]:
        return self._connections.ids(hub)

    async def close(self) -> None:
        """Close every socket and end their tasks (``ConnectionRegistry.close``)."""
        await self._connections.close()

    # -- the client WebSocket ------------------------------------------------------------------
    async def _client(self, request: web.Request) -> web.StreamResponse:
        hub = request.match_info["hub"]
        require_hub(self._hubs, hub)
        try:
            claims = verify_client_token(request.query.get("access_token"), self._access_key, hub)
        except TokenRejected as exc:
            raise web.HTTPUnauthorized(text=str(exc)) from None
        if self._connections.closing:
            raise web.HTTPServiceUnavailable(text="the service is shutting down")
        if (
            len(self._connections) >= self.limits.max_connections
            and "awps_connection_id" not in request.query
        ):
            log.warning("web pubsub stand-in: refused a client, %d connections open", len(self._connections))
            raise web.HTTPServiceUnavailable(text=f"at most {self.limits.max_connections} connections")
        ws = web.WebSocketResponse(protocols=wire.SUBPROTOCOLS, max_msg_size=2 * MAX_MESSAGE_BYTES)
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="a WebSocket upgrade is expected")
        await ws.prepare(request)
        if ws.ws_protocol not in wire.SUBPROTOCOLS:
            await ws.close(
                code=1002, message=b"use json.webpubsub.azure.v1 or json.reliable.webpubsub.azure.v1"
            )
            return ws
        connection = self._resume(request, ws, hub)
        transport = request.transport
        if connection is None:
            if "awps_connection_id" in request.query:
                await ws.close(code=1008, message=b"the connection cannot be recovered")
                return ws
            connection = self._open(ws, hub, claims.user_id)
        connection.transport = transport
        await connection.send_frame(
            wire.connected(connection.connection_id, connection.user_id, connection.reconnection_token)
        )
        await connection.resend_unacked()
        await self._read(connection, ws)
        return ws

    def _open(self, ws: web.WebSocketResponse, hub: str, user_id: str | None) -> Connection:
        reliable = ws.ws_protocol == wire.RELIABLE
        token = secrets.token_urlsafe(24) if reliable else None
        connection = Connection(
            secrets.token_urlsafe(16),
            hub,
            user_id,
            reliable,
            token,
            self._handle_event,
            self.limits,
            self._budget,
        )
        connection.ws = ws
        connection.on_drop = self._connections.forget
        self._connections.add(connection)
        log.info("web pubsub stand-in: client %s connected to hub %s", connection.connection_id, hub)
        return connection

    def _resume(self, request: web.Request, ws: web.WebSocketResponse, hub: str) -> Connection | None:
        connection = self._connections.get(unquote(request.query.get("awps_connection_id", "")))
        token = request.query.get("awps_reconnection_token", "")
        if connection is None or connection.ws is not None or connection.reconnection_token is None:
            return None
        if connection.hub.lower() != hub.lower() or not secrets.compare_digest(
            token, connection.reconnection_token
        ):
            return None
        if connection.expiry is not None:
            connection.expiry.cancel()
        connection.ws = ws
        log.info("web pubsub stand-in: client %s recovered", connection.connection_id)
        return connection

    async def _read(self, connection: Connection, ws: web.WebSocketResponse) -> None:
        client_closed = False
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                if (
                    len(message.data) > MAX_MESSAGE_BYTES // 4
                    and len(message.data.encode()) > MAX_MESSAGE_BYTES
                ):
                    await ws.close(code=1009, message=b"a message must not exceed 1048576 bytes")
                    break
                await receive(connection, message.data)
            elif message.type is WSMsgType.BINARY:
                log.warning(
                    "connection %s: binary frame ignored (JSON subprotocol)", connection.connection_id
                )
            elif message.type is WSMsgType.CLOSE:
                client_closed = True
        if ws.close_code == 1009:
            log.warning("connection %s: closed, a message exceeded 1 MB", connection.connection_id)
        # aiohttp ends the iteration on a close frame without yielding it: the close code tells whether
        # the client closed (a code it sent) or the socket dropped (none, or 1006): only then recover
        client_closed = client_closed or ws.close_code not in (None, 1006)
        await self._ended(connection, ws, client_closed)

    async def _ended(self, connection: Connection, ws: web.WebSocketResponse, client_closed: bool) -> None:
        if connection.ws is not ws:  # already replaced by a recovery, or closed by ``close``
            return
        connection.ws = None
        if (
            connection.reliable
            and not client_closed
            and not self._connections.closing
            and not connection.dropped
        ):
            loop = asyncio.get_running_loop()
            connection.expiry = loop.call_later(RECOVERY_SECONDS, self._connections.expire, connection)
            return
        await self._connections.drop(connection)

    async def _handle_event(self, connection: Connection, frame: ClientFrame) -> None:
        await handle_event(self._dispatch, connection, frame)


__all__ = ["Dispatch", "UserEventCall", "WebPubSubStandIn"]
