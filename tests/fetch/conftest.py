"""Fixtures for the fetcher: a CandleService on each storage backend, talking to the emulator."""

from __future__ import annotations

import pytest

from shared.fetch.service import CandleService
from shared.store import CandleStore


@pytest.fixture
def service(backend, exchange_registry, exchange_emulator) -> CandleService:
    return CandleService(
        CandleStore(backend),
        exchange_registry,
        max_request_candles=200_000,
        closed_margin_seconds=0.0,
        backfill_days=3,
        clock=exchange_emulator.clock,
    )
