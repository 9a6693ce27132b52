"""HISTORY_NOT_AVAILABLE: data only from later than asked is reported, never returned as a gap."""

from __future__ import annotations

import pytest

from shared.errors import HistoryNotAvailableError
from tests.emulator.fixtures import LISTING_MS
from tests.exchange.helpers import MIN, assert_contiguous, collect, rows_of


async def test_kraken_style_latest_n_only_is_history_not_available(
    exchange_registry, exchange_emulator
) -> None:
    exchange_emulator.series("binance", "BTC/USDT").latest_only = 720
    now = exchange_emulator.clock.now_ms
    horizon = now - now % MIN - 719 * MIN
    start = now - now % MIN - 5000 * MIN
    pages = []
    with pytest.raises(HistoryNotAvailableError) as err:
        async for page in exchange_registry.get("binance").fetch_ohlcv("BTC/USDT", "1m", start, now):
            pages.append(page)
    assert pages == []
    assert err.value.code == "HISTORY_NOT_AVAILABLE"
    assert err.value.details["available_from"] == horizon
    assert err.value.details["requested_from"] == start
    # what it can serve, it serves exactly
    pages = await collect(exchange_registry.get("binance"), "BTC/USDT", "1m", horizon, now)
    assert rows_of(pages) == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", horizon, now)
    assert len(rows_of(pages)) == 719


@pytest.mark.parametrize("exchange", ["binance", "okx"])
async def test_a_start_before_the_listing_reports_where_the_data_begins(
    exchange: str, exchange_registry, exchange_emulator
) -> None:
    client = exchange_registry.get(exchange)
    with pytest.raises(HistoryNotAvailableError) as err:
        await collect(client, "BTC/USDT", "1m", LISTING_MS - 100 * MIN, LISTING_MS + 5000 * MIN)
    assert err.value.details["available_from"] == LISTING_MS
    with pytest.raises(HistoryNotAvailableError) as err:  # a window wholly before the listing
        await collect(client, "BTC/USDT", "1m", LISTING_MS - 50_000 * MIN, LISTING_MS - 40_000 * MIN)
    assert err.value.details["available_from"] in (None, LISTING_MS)


@pytest.mark.parametrize("exchange", ["binance", "okx"])
async def test_a_gap_at_the_start_with_history_before_it_is_a_real_gap(
    exchange: str, exchange_registry, exchange_emulator
) -> None:
    start = LISTING_MS + 5000 * MIN
    exchange_emulator.series(exchange, "BTC/USDT").gaps = [(start - 2 * MIN, start + 7 * MIN)]
    end = start + 1500 * MIN
    pages = await collect(exchange_registry.get(exchange), "BTC/USDT", "1m", start, end)
    assert rows_of(pages)[0][0] == start + 7 * MIN
    assert rows_of(pages) == exchange_emulator.ground_truth(exchange, "BTC/USDT", "1m", start, end)
    assert_contiguous(pages, start, end)
    pages_needed = -(-1500 // (1000 if exchange == "binance" else 300))
    assert exchange_emulator.request_count(exchange, "ohlcv") == pages_needed + 1  # one history probe


async def test_bad_rows_are_rejected_with_a_reason_and_never_passed_on(
    exchange_registry, exchange_emulator
) -> None:
    start = LISTING_MS + 3000 * MIN
    kinds = ["high_below", "low_above", "negative_volume", "nan", "misaligned"]
    series = exchange_emulator.series("binance", "BTC/USDT")
    series.corrupt = {start + (10 + 300 * i) * MIN: kind for i, kind in enumerate(kinds)}
    end = start + 2000 * MIN
    pages = await collect(exchange_registry.get("binance"), "BTC/USDT", "1m", start, end)
    rows = rows_of(pages)
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert not {r[0] for r in rows} & set(series.corrupt)
    reasons = [reason for page in pages for _, reason in page.rejected]
    assert reasons == [
        "high is below open or close",
        "low is above open or close",
        "volume is negative",
        "a price or the volume is not finite",
        "timestamp is not aligned to the timeframe",
    ]


async def test_latest_n_only_is_reported_even_when_earlier_history_is_known(
    exchange_registry, exchange_emulator
) -> None:
    """A caller that holds older candles skips the probe; rows only after the window must still fail
    loudly instead of becoming an empty page (a false no-trade gap stored forever)."""
    exchange_emulator.series("binance", "BTC/USDT").latest_only = 720
    now = exchange_emulator.clock.now_ms
    start = now - now % MIN - 5000 * MIN
    client = exchange_registry.get("binance")
    pages = []
    with pytest.raises(HistoryNotAvailableError) as err:
        async for page in client.fetch_ohlcv("BTC/USDT", "1m", start, now, history_known=True):
            pages.append(page)
    assert pages == []
    assert err.value.details["available_from"] == now - now % MIN - 719 * MIN
