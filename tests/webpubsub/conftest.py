"""Fixtures for the Web PubSub transport tests: the real composition on each storage backend talking
to the exchange emulator (``services``), a ``limiter`` on the same backend, and the fake Web PubSub
service with a real-SDK ``ServiceSender`` (``tests/fakes/fixtures.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.composition import Services
from shared.webpubsub.limits import ConnectionLimiter
from tests.fixtures.services import build_services

MAX_REQUEST_CANDLES = 200_000
MAX_PER_CONNECTION = 2


@pytest.fixture
async def services(
    backend, exchange_registry, exchange_emulator, exchange_settings, webpubsub_fake
) -> AsyncIterator[Services]:
    built = build_services(
        backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        max_request_candles=MAX_REQUEST_CANDLES,
        webpubsub_max_requests_per_connection=MAX_PER_CONNECTION,
        WebPubSubConnectionString=webpubsub_fake.connection_string,
    )
    try:
        yield built
    finally:
        if built.sender is not None:
            await built.sender.aclose()


@pytest.fixture
def limiter(services: Services) -> ConnectionLimiter:
    return ConnectionLimiter(services.backend, services.settings.webpubsub_max_requests_per_connection)
