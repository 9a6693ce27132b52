"""Fixtures for the Web PubSub transport tests: the real composition on each storage backend talking
to the exchange emulator (``services``), a ``limiter`` on the same backend, and the fake Web PubSub
service with a real-SDK ``ServiceSender`` (``tests/fakes/fixtures.py``)."""

from __future__ import annotations

import pytest

from shared.composition import Services
from shared.fetch.service import CandleService
from shared.settings import load_settings
from shared.store import CandleStore
from shared.webpubsub.limits import ConnectionLimiter
from tests.fakes.fixtures import webpubsub_fake, webpubsub_sender  # noqa: F401 (fixtures)

MAX_REQUEST_CANDLES = 200_000
MAX_PER_CONNECTION = 2


@pytest.fixture
def services(backend, exchange_registry, exchange_emulator, exchange_settings) -> Services:
    settings = load_settings(
        local_settings_file=None,
        ccxt=exchange_settings.model_dump(),
        max_request_candles=MAX_REQUEST_CANDLES,
        webpubsub_max_requests_per_connection=MAX_PER_CONNECTION,
    )
    store = CandleStore(backend)
    candles = CandleService(
        store,
        exchange_registry,
        max_request_candles=MAX_REQUEST_CANDLES,
        closed_margin_seconds=0.0,
        backfill_days=3,
        clock=exchange_emulator.clock,
    )
    return Services(settings, backend, store, exchange_registry, candles)


@pytest.fixture
def limiter(services: Services) -> ConnectionLimiter:
    return ConnectionLimiter(services.backend, services.settings.webpubsub_max_requests_per_connection)
