"""Fixtures for the fetcher: a CandleService on each storage backend, talking to the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.fetch.service import CandleService
from shared.store import CandleStore
from tests.fetch.helpers import archive_service


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


@pytest.fixture
async def archived(local_backend, exchange_registry, exchange_emulator) -> AsyncIterator[CandleService]:
    """A service that reads the emulator's Binance archive first, on local files."""
    emu = exchange_emulator
    service = archive_service(local_backend, exchange_registry, emu, emu.archive_url, timeout_s=30)
    yield service
    assert service.archives is not None
    await service.archives.close()
