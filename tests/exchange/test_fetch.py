"""Candles through real ccxt from the emulator: exact, closed, gap-aware, with the fewest requests."""

from __future__ import annotations

import math

import pytest

from shared.exchange import closed_boundary
from tests.emulator import ExchangeEmulator
from tests.emulator.fixtures import LISTING_MS
from tests.exchange.helpers import MIN, assert_contiguous, collect, rows_of

LIMITS = {"binance": 1000, "okx": 300}


@pytest.mark.parametrize("exchange", ["binance", "okx"])
async def test_many_pages_equal_ground_truth_with_the_minimum_requests(
    exchange: str, exchange_registry, exchange_emulator: ExchangeEmulator
) -> None:
    client = exchange_registry.get(exchange)
    assert await client.page_limit() == LIMITS[exchange]
    start = LISTING_MS + 10 * MIN  # listed long before: no history probe needed
    n = 7 * LIMITS[exchange] + 123  # several page boundaries and a partial last page
    end = start + n * MIN
    await client.ensure_market("BTC/USDT")
    exchange_emulator.reset_counts()

    pages = await collect(client, "BTC/USDT", "1m", start, end)

    assert rows_of(pages) == exchange_emulator.ground_truth(exchange, "BTC/USDT", "1m", start, end)
    assert len(rows_of(pages)) == n
    assert_contiguous(pages, start, end)
    assert exchange_emulator.request_count(exchange, "ohlcv") == math.ceil(n / LIMITS[exchange])
    assert exchange_emulator.request_count(exchange) == math.ceil(n / LIMITS[exchange])  # markets cached


async def test_the_open_candle_is_never_returned(exchange_registry, exchange_emulator) -> None:
    now = exchange_emulator.clock.now_ms  # 30 s into a minute: that minute's candle is open
    start = now - now % MIN - 50 * MIN
    pages = await collect(exchange_registry.get("binance"), "BTC/USDT", "1m", start, now + 60 * MIN)
    rows = rows_of(pages)
    assert rows[-1][0] == now - now % MIN - MIN  # the last closed minute
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, now + 60 * MIN)
    assert_contiguous(pages, start, now - now % MIN)


async def test_the_margin_holds_back_a_candle_that_closed_just_now(exchange_emulator) -> None:
    from shared.exchange import ExchangeRegistry
    from tests.emulator.fixtures import emulator_settings

    now = exchange_emulator.clock.now_ms
    exchange_emulator.clock.set_ms(now - now % MIN + 2_000)  # 2 s after a candle closed
    now = exchange_emulator.clock.now_ms
    settings = emulator_settings(exchange_emulator, closed_candle_margin_seconds=5.0)
    registry = ExchangeRegistry(settings, clock=exchange_emulator.clock)
    try:
        start = now - now % MIN - 10 * MIN
        pages = await collect(registry.get(), "BTC/USDT", "1m", start, now + MIN)
    finally:
        await registry.aclose()
    boundary = closed_boundary(exchange_emulator.clock(), 5.0, MIN)
    assert boundary == now - now % MIN - MIN
    assert pages[-1].end_ms == boundary and rows_of(pages)[-1][0] == boundary - MIN


@pytest.mark.parametrize("exchange", ["binance", "okx"])
async def test_exchange_side_gaps_are_absent_rows_inside_proven_spans(
    exchange: str, exchange_registry, exchange_emulator
) -> None:
    start = LISTING_MS + 1000 * MIN
    gaps = [(start + 5 * MIN, start + 9 * MIN), (start + 299 * MIN, start + 302 * MIN)]  # one on a page edge
    gaps.append((start + 999 * MIN, start + 1001 * MIN))
    exchange_emulator.series(exchange, "BTC/USDT").gaps = gaps
    end = start + 2000 * MIN

    pages = await collect(exchange_registry.get(exchange), "BTC/USDT", "1m", start, end)

    stamps = {row[0] for row in rows_of(pages)}
    missing = {start + i * MIN for i in range(2000)} - stamps
    assert missing == {t for g0, g1 in gaps for t in range(g0, g1, MIN)}
    assert rows_of(pages) == exchange_emulator.ground_truth(exchange, "BTC/USDT", "1m", start, end)
    assert_contiguous(pages, start, end)
    assert exchange_emulator.request_count(exchange, "ohlcv") == math.ceil(2000 / LIMITS[exchange])


async def test_a_range_in_the_future_or_empty_yields_nothing(exchange_registry, exchange_emulator) -> None:
    now = exchange_emulator.clock.now_ms
    client = exchange_registry.get("binance")
    assert await collect(client, "BTC/USDT", "1m", now + MIN, now + 100 * MIN) == []
    assert await collect(client, "BTC/USDT", "1m", now - 5 * MIN, now - 5 * MIN) == []
    assert exchange_emulator.request_count("binance", "ohlcv") == 0


async def test_higher_timeframes_and_unaligned_bounds(exchange_registry, exchange_emulator) -> None:
    start = LISTING_MS + 3 * 3_600_000 + 17_000  # not aligned: the first candle is the next full hour
    end = start + 2500 * 3_600_000
    pages = await collect(exchange_registry.get("binance"), "BTC/USDT", "1h", start, end)
    assert rows_of(pages) == exchange_emulator.ground_truth("binance", "BTC/USDT", "1h", start, end)
    assert_contiguous(pages, start, min(end, closed_boundary(exchange_emulator.clock(), 0, 3_600_000)))
    assert exchange_emulator.request_count("binance", "ohlcv") == 3
