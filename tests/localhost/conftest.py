"""Fixtures for the local host tests: ``LocalHost`` started in-process on a free loopback port.

- ``app_index``: ``function_app``'s functions, indexed once per process (``tests.functions.registered``:
  ``FunctionApp.get_functions()`` may be called only once).
- ``make_host(**setting_overrides)``: an async factory; starts a ``LocalHost`` on local storage with the
  exchange emulator, fixed keys (``FUNCTION_KEY``/``MASTER_KEY``), ``WebPubSubConnectionString`` pointing
  at the host's own stand-in, host.json's options with no retry delay. Stops every host afterwards and
  checks that no task of it is left. ``local_host``: one such host with the default settings.
- ``http``: an ``aiohttp.ClientSession``. ``eventually(condition)`` waits for a condition to hold.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared.localhost.host import LocalHost
from shared.localhost.host.bindings import AppIndex, index
from shared.localhost.host.config import HostOptions
from tests.fixtures.azurite import free_port
from tests.fixtures.services import build_services
from tests.functions.registered import functions

FUNCTION_KEY = "test-function-key"
MASTER_KEY = "test-master-key"
HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"
NEVER = "0 0 0 1 1 *"  # once a year: the timer stays quiet unless a test sets a schedule

MakeHost = Callable[..., Awaitable[LocalHost]]


async def eventually(condition: Callable[[], bool], limit: float = 30.0) -> None:
    """Wait until ``condition()`` holds (checked every 20 ms); fail after ``limit`` seconds."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110  # a plain predicate on the host's state, no event
            await asyncio.sleep(0.02)


@pytest.fixture(scope="session")
def app_index() -> AppIndex:
    return index(functions().values())


@pytest.fixture
async def make_host(
    app_index, local_backend, exchange_registry, exchange_emulator, exchange_settings
) -> AsyncIterator[MakeHost]:
    started: list[LocalHost] = []

    async def make(
        *, functions: AppIndex | None = None, options: HostOptions | None = None, **overrides: Any
    ):
        port = free_port()
        access_key = base64.b64encode(secrets.token_bytes(32)).decode()
        values: dict[str, Any] = {
            "WebPubSubConnectionString": f"Endpoint=http://127.0.0.1:{port};AccessKey={access_key};Version=1.0;",
            "local_function_key": FUNCTION_KEY,
            "local_master_key": MASTER_KEY,
            "sync": {"schedule": NEVER, "targets": "binance:ETH/USDT:1h"},
        }
        values.update(overrides)
        services = build_services(
            local_backend, exchange_registry, exchange_emulator, exchange_settings, **values
        )
        host = LocalHost(
            functions or app_index,
            services,
            port=port,
            options=options or HostOptions.from_host_json(HOST_JSON, queue_retry_delay=0.0),
        )
        started.append(host)
        await host.start()
        return host

    try:
        yield make
    finally:
        for host in started:
            await host.stop()
            assert host.tasks() == []
            if host.services.sender is not None:
                await host.services.sender.aclose()


@pytest.fixture
async def local_host(make_host: MakeHost) -> LocalHost:
    return await make_host()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
