"""A candle the exchange sends corrupt is refused, its slot stays missing, and the next request asks
for that slot again (instead of recording a permanent, silent hole)."""

from __future__ import annotations

import pytest

from tests.fetch.helpers import BTC, MIN, NOW_SLOT, fetch_rows, klines


@pytest.mark.parametrize("kind", ["high_below", "low_above", "negative_volume", "nan", "misaligned"])
async def test_a_corrupt_row_is_refused_and_its_slot_asked_for_again(service, exchange_emulator, kind):
    start, end = NOW_SLOT - 600 * MIN, NOW_SLOT - 100 * MIN
    bad = start + 123 * MIN
    series = exchange_emulator.series("binance", "BTC/USDT")
    series.corrupt = {bad: kind}

    rows = await fetch_rows(service, BTC, start, end)
    assert bad not in {r[0] for r in rows}
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert await service.store.missing(BTC, start, end) == [(bad, bad + MIN)]

    series.corrupt = {}  # the exchange serves it properly now
    exchange_emulator.reset_counts()
    again = await fetch_rows(service, BTC, start, end)
    assert klines(exchange_emulator) == 1  # only the missing slot is asked for
    assert bad in {r[0] for r in again}
    assert again == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert await service.store.missing(BTC, start, end) == []
