"""A fake of the Azure Web PubSub REST API on 127.0.0.1, for the real service SDK to talk to.

    fake = FakeWebPubSub(); await fake.start()      # or the ``webpubsub_fake`` fixture
    fake.connection_string                          # Endpoint=http://127.0.0.1:<port>;AccessKey=...;Version=1.0;
    fake.fail_next(2, status=500, after=3)          # 3 more sends succeed, the 2 after answer 500
    fake.close_connection("conn-1")                 # sends to it answer 404 from now on
    fake.messages("conn-1")                         # [SentMessage(hub, connection_id, content_type, body)]
    await fake.stop()

Served: ``POST /api/hubs/{hub}/connections/{id}/:send`` (202) and ``HEAD /api/hubs/{hub}/connections/{id}``
(200 or 404). Every request must carry the bearer JWT the SDK makes: HS256 signed with the access key
(the key string itself), audience the full request URL as the SDK built it (path and query), not
expired; anything else answers 401. Ids in the path are percent-decoded, as the service does.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import jwt
import orjson
from aiohttp import web

_ROUTE = re.compile(r"^/api/hubs/(?P<hub>[^/?]+)/connections/(?P<conn>[^/?]+)(?P<action>/:send)?(?:\?.*)?$")


@dataclass(frozen=True)
class SentMessage:
    hub: str
    connection_id: str
    content_type: str
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class FakeWebPubSub:
    def __init__(self, access_key: str | None = None, host: str = "127.0.0.1") -> None:
        self.access_key = access_key or base64.b64encode(secrets.token_bytes(32)).decode()
        self.host = host
        self.port = 0
        self.sent: list[SentMessage] = []
        self.rejected: list[tuple[int, str]] = []  # (status, path) of every refused request
        self.closed: set[str] = set()
        self._failures: list[int] = []
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the port the OS picked

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def connection_string(self) -> str:
        return f"Endpoint={self.endpoint};AccessKey={self.access_key};Version=1.0;"

    # -- control and inspection --------------------------------------------------------------
    def fail_next(self, count: int, *, status: int = 500, after: int = 0) -> None:
        """Answer ``status`` (not recording the message) to ``count`` sends, after ``after`` good ones."""
        self._failures.extend([0] * after + [status] * count)

    def close_connection(self, connection_id: str) -> None:
        self.closed.add(connection_id)

    def messages(self, connection_id: str, hub: str | None = None) -> list[SentMessage]:
        return [m for m in self.sent if m.connection_id == connection_id and (hub is None or m.hub == hub)]

    def by_connection(self) -> dict[str, list[SentMessage]]:
        grouped: dict[str, list[SentMessage]] = defaultdict(list)
        for message in self.sent:
            grouped[message.connection_id].append(message)
        return dict(grouped)

    # -- the REST API ------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        status = self._authorize(request)
        match = _ROUTE.match(request.raw_path)
        if status is None and match is None:
            status = 404
        if status is not None:
            self.rejected.append((status, request.raw_path))
            return web.json_response({"code": "Rejected"}, status=status)
        assert match is not None
        hub, connection_id = unquote(match["hub"]), unquote(match["conn"])
        if match["action"] is None:
            exists = request.method == "HEAD" and connection_id not in self.closed
            return web.Response(status=200 if exists else 404)
        if request.method != "POST":
            return web.Response(status=405)
        status = self._failures.pop(0) if self._failures else 0
        if status:
            self.rejected.append((status, request.raw_path))
            return web.json_response({"code": "InjectedFailure"}, status=status)
        if connection_id in self.closed:
            self.rejected.append((404, request.raw_path))
            return web.json_response({"code": "ConnectionNotFound"}, status=404)
        body = await request.read()
        self.sent.append(SentMessage(hub, connection_id, request.headers.get("Content-Type", ""), body))
        return web.Response(status=202)

    def _authorize(self, request: web.Request) -> int | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return 401
        audience = f"{request.scheme}://{request.host}{request.raw_path}"
        try:
            jwt.decode(
                token, self.access_key, algorithms=["HS256"], audience=audience, options={"require": ["exp"]}
            )
        except jwt.InvalidTokenError:
            return 401
        return None
