"""Fixtures for the API tests: ``services`` (the real composition on each storage backend, talking to
the exchange emulator) and ``collect`` (a ``send`` that records every message it is given)."""

from __future__ import annotations

import orjson
import pytest

from shared.composition import Services
from shared.fetch.service import CandleService
from shared.settings import load_settings
from shared.store import CandleStore

HTTP_MAX_CANDLES = 5_000
MAX_REQUEST_CANDLES = 200_000


@pytest.fixture
def services(backend, exchange_registry, exchange_emulator, exchange_settings) -> Services:
    settings = load_settings(
        local_settings_file=None,
        ccxt=exchange_settings.model_dump(),
        http_max_candles=HTTP_MAX_CANDLES,
        max_request_candles=MAX_REQUEST_CANDLES,
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


class Outbox:
    """Records the bytes ``serve_historical`` sends, and decodes them."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def send(self, message: bytes) -> None:
        assert isinstance(message, bytes)
        self.raw.append(message)

    @property
    def messages(self) -> list[dict]:
        return [orjson.loads(m) for m in self.raw]

    def of_type(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()
