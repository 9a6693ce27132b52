"""Fixtures for the Web PubSub stand-in tests: the stand-in served on 127.0.0.1, a recording dispatch,
and the official sync client driven from asyncio (``asyncio.to_thread``). Import the fixtures from here."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import queue
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiohttp import web
from azure.messaging.webpubsubclient import WebPubSubClient
from azure.messaging.webpubsubclient.models import CallbackType, WebPubSubProtocolType

from shared.localhost.webpubsub.standin import UserEventCall, WebPubSubStandIn
from shared.localhost.webpubsub.tokens import client_access

HUB = "marketdata"


@dataclass
class RecordingDispatch:
    """``echo`` replies the data back as JSON, ``fail`` raises, ``unknown`` is handled by no function
    (``LookupError``), anything else replies nothing."""

    calls: list[UserEventCall] = field(default_factory=list)

    async def __call__(self, call: UserEventCall) -> dict | None:
        self.calls.append(call)
        if call.event_name == "echo":
            return {"data": orjson.dumps({"echo": orjson.loads(call.data)}).decode(), "dataType": "json"}
        if call.event_name == "fail":
            raise RuntimeError("the handler broke")
        if call.event_name == "unknown":
            raise LookupError("no function handles the event 'unknown'")
        return None


@dataclass
class StandInServer:
    standin: WebPubSubStandIn
    dispatch: RecordingDispatch
    access_key: str
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def connection_string(self) -> str:
        return f"Endpoint={self.endpoint};AccessKey={self.access_key};Version=1.0;"

    def client_url(
        self, user_id: str | None = "user-1", hub: str = HUB, key: str | None = None, minutes: int = 60
    ) -> str:
        return client_access(self.endpoint, key or self.access_key, hub, user_id, minutes)["url"]


@pytest.fixture(name="standin")
async def standin_fixture() -> AsyncIterator[StandInServer]:
    async with serve_standin() as server:
        yield server


@contextlib.asynccontextmanager
async def serve_standin(**options: Any) -> AsyncIterator[StandInServer]:
    """The stand-in on a free loopback port; ``options`` go to ``WebPubSubStandIn`` (hubs, limits)."""
    access_key = base64.b64encode(secrets.token_bytes(32)).decode()
    dispatch = RecordingDispatch()
    standin = WebPubSubStandIn(access_key, dispatch, **options)
    app = web.Application()
    standin.routes(app)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]  # the port the OS picked
    try:
        yield StandInServer(standin, dispatch, access_key, port)
    finally:
        await standin.close()
        await runner.cleanup()


class OfficialClient:
    """The official sync ``WebPubSubClient``; server messages land in ``messages`` (a thread-safe queue)."""

    def __init__(self, url: str | Callable[[], str], reliable: bool = True, **options: Any) -> None:
        from azure.messaging.webpubsubclient import WebPubSubClientCredential

        protocol = WebPubSubProtocolType.JSON_RELIABLE if reliable else WebPubSubProtocolType.JSON
        options.setdefault("message_retry_total", 0)
        options.setdefault("ack_timeout", 10.0)
        options.setdefault("start_timeout", 10.0)
        self.client = WebPubSubClient(WebPubSubClientCredential(url), protocol_type=protocol, **options)
        self.messages: queue.Queue[Any] = queue.Queue()
        self.connected: queue.Queue[Any] = queue.Queue()
        self.stopped = threading.Event()
        self.client.subscribe(CallbackType.SERVER_MESSAGE, lambda args: self.messages.put(args))
        self.client.subscribe(CallbackType.CONNECTED, lambda args: self.connected.put(args))
        self.client.subscribe(CallbackType.STOPPED, lambda *args: self.stopped.set())
        self.threads_before = set(threading.enumerate())

    async def open(self) -> str:
        await asyncio.to_thread(self.client.open)
        args = await asyncio.to_thread(self.connected.get, True, 10)
        return args.connection_id

    async def send_event(self, event: str, content: Any, data_type: str = "json") -> None:
        await asyncio.to_thread(self.client.send_event, event, content, data_type)

    async def next_message(self) -> Any:
        return await asyncio.to_thread(self.messages.get, True, 10)

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)

    async def threads_left(self) -> set[threading.Thread]:
        """The client's threads still alive, after giving them up to 15 s to end (websocket-client's reader
        thread can sit out its 10 s select timeout after close)."""

        def wait() -> set[threading.Thread]:
            for _ in range(150):
                alive = {t for t in threading.enumerate() if t not in self.threads_before and t.is_alive()}
                alive = {t for t in alive if not t.name.startswith("asyncio_")}
                if not alive:
                    return alive
                threading.Event().wait(0.1)
            return alive

        return await asyncio.to_thread(wait)
