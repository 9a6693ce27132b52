"""Fixtures for the API tests: ``services`` (the real composition on each storage backend, talking to
the exchange emulator) and ``collect`` (a ``send`` that records every message it is given)."""

from __future__ import annotations

import orjson
import pytest

from shared.composition import Services
from tests.fixtures.services import build_services

HTTP_MAX_CANDLES = 5_000
MAX_REQUEST_CANDLES = 200_000


@pytest.fixture
def services(backend, exchange_registry, exchange_emulator, exchange_settings) -> Services:
    return build_services(
        backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        http_max_candles=HTTP_MAX_CANDLES,
        max_request_candles=MAX_REQUEST_CANDLES,
    )


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
