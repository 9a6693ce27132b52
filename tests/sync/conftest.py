"""Fixtures for the sync tests: a CandleService on each storage backend, talking to the emulator."""

from __future__ import annotations

import pytest

from shared.fetch.service import CandleService
from tests.sync.helpers import candle_service


@pytest.fixture
def service(backend, exchange_registry, exchange_emulator) -> CandleService:
    return candle_service(backend, exchange_registry, exchange_emulator)
