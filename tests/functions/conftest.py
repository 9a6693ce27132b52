"""Fixtures for driving ``function_app.py`` through ``azure.functions``: the real services (each storage
backend, the exchange emulator, the fake Web PubSub service) installed as the app's runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared import runtime
from shared.composition import Services
from tests.fixtures.services import build_services

HTTP_MAX_CANDLES = 5_000


@pytest.fixture
async def app_services(
    backend, exchange_registry, exchange_emulator, exchange_settings, webpubsub_fake
) -> AsyncIterator[Services]:
    services = build_services(
        backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        http_max_candles=HTTP_MAX_CANDLES,
        max_request_candles=200_000,
        WebPubSubConnectionString=webpubsub_fake.connection_string,
        sync={"targets": "binance:BTC/USDT:1h,binance:DOGE/USDT:1h"},
    )
    runtime.install(services)
    try:
        yield services
    finally:
        if services.sender is not None:
            await services.sender.aclose()
        runtime.install(None)  # type: ignore[arg-type]
