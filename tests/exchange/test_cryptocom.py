"""The default exchange in its own dialect: ccxt's cryptocom class against the emulator's Crypto.com v1."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from shared.exchange import ExchangeRegistry
from shared.fetch.service import CandleService
from shared.series import SeriesKey
from shared.store import CandleStore
from tests.emulator import ExchangeEmulator
from tests.emulator.fixtures import LISTING_MS, emulator_settings
from tests.exchange.helpers import MIN, assert_contiguous, collect, rows_of
from tests.fetch.helpers import fetch_rows

LIMIT = 300
CRO = SeriesKey("cryptocom", "BTC/USDT", "1m")


@pytest.fixture
async def registry(exchange_emulator: ExchangeEmulator) -> AsyncIterator[ExchangeRegistry]:
    exchange_emulator.add_series("cryptocom", "BTC/USDT", seed=4, base_price=30_000.0, listing_ms=LISTING_MS)
    settings = emulator_settings(
        exchange_emulator, exchanges=["cryptocom", "binance"], default_exchange="cryptocom",
        exchange_options=exchange_emulator.exchange_options("cryptocom", "binance", timeout_ms=2000),
    )  # fmt: skip
    registry = ExchangeRegistry(settings, clock=exchange_emulator.clock)
    yield registry
    await registry.aclose()


def truth(emu: ExchangeEmulator, start: int, end: int) -> list:
    return emu.ground_truth("cryptocom", "BTC/USDT", "1m", start, end)


async def test_pages_of_300_equal_the_ground_truth_with_the_minimum_requests(registry, exchange_emulator):
    client = registry.get("cryptocom")
    assert await client.page_limit() == LIMIT
    start = LISTING_MS + 10 * MIN
    n = 7 * LIMIT + 123
    await client.ensure_market("BTC/USDT")
    exchange_emulator.reset_counts()
    pages = await collect(client, "BTC/USDT", "1m", start, start + n * MIN)
    assert rows_of(pages) == truth(exchange_emulator, start, start + n * MIN)
    assert_contiguous(pages, start, start + n * MIN)
    assert exchange_emulator.request_count("cryptocom", "ohlcv") == math.ceil(n / LIMIT)


async def test_the_open_candle_is_never_returned(registry, exchange_emulator):
    now = exchange_emulator.clock.now_ms
    start = now - now % MIN - 500 * MIN
    pages = await collect(registry.get("cryptocom"), "BTC/USDT", "1m", start, now + 60 * MIN)
    rows = rows_of(pages)
    assert rows[-1][0] == now - now % MIN - MIN
    assert rows == truth(exchange_emulator, start, now + 60 * MIN)


async def test_a_gap_spanning_whole_windows_on_cryptocom(registry, exchange_emulator):
    series = exchange_emulator.series("cryptocom", "BTC/USDT")
    start = LISTING_MS + 1_000 * MIN
    series.gaps = [(start + 250 * MIN, start + 700 * MIN)]  # spans two whole windows
    pages = await collect(registry.get("cryptocom"), "BTC/USDT", "1m", start, start + 1_500 * MIN)
    assert rows_of(pages) == truth(exchange_emulator, start, start + 1_500 * MIN)
    assert exchange_emulator.request_count("cryptocom", "ohlcv") == 5


async def test_a_cold_fetch_through_the_service_pipelines_on_cryptocom(
    registry, exchange_emulator, local_backend
):
    service = CandleService(CandleStore(local_backend), registry, closed_margin_seconds=0.0,
                            clock=exchange_emulator.clock)  # fmt: skip
    now = exchange_emulator.clock.now_ms
    end = now - now % MIN
    start = end - 20 * LIMIT * MIN - 77 * MIN
    exchange_emulator.inject("cryptocom", "rate_limit", count=2, retry_after=0.01)
    rows = await fetch_rows(service, CRO, start, end)
    assert rows == truth(exchange_emulator, start, end)
    # the minimum plus the two rate-limited retries (start's slot has a candle: no history probe)
    assert exchange_emulator.request_count("cryptocom", "ohlcv") == math.ceil((end - start) / MIN / LIMIT) + 2
    assert await service.store.missing(CRO, start, end) == []
