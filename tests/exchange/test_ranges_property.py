"""Random ranges, timeframes and gaps against the emulator's ground truth (hypothesis)."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.exchange import ExchangeRegistry
from tests.emulator import ExchangeEmulator
from tests.emulator.fixtures import LISTING_MS, emulator_settings
from tests.exchange.helpers import assert_contiguous, rows_of

TFS = {"1m": 60_000, "5m": 300_000, "1h": 3_600_000}


async def _check(exchange: str, tf: str, offset: int, length: int, gap_slots: list[int], jitter: int) -> None:
    tf_ms = TFS[tf]
    emu = ExchangeEmulator()
    series = emu.add_series(exchange, "BTC/USDT", seed=7, listing_ms=LISTING_MS)
    start = LISTING_MS + 2 * tf_ms + offset * tf_ms + jitter
    # gaps never cover the start slot (that would need the history probe, tested elsewhere)
    series.gaps = [
        (start - start % tf_ms + s * tf_ms, start - start % tf_ms + (s + 2) * tf_ms) for s in gap_slots
    ]
    end = start + length * tf_ms
    await emu.start()
    registry = ExchangeRegistry(emulator_settings(emu), clock=emu.clock)
    try:
        client = registry.get(exchange)
        pages = [p async for p in client.fetch_ohlcv("BTC/USDT", tf, start, end)]
        truth = emu.ground_truth(exchange, "BTC/USDT", tf, start, end)
        assert rows_of(pages) == truth
        if pages:
            assert_contiguous(pages, start, pages[-1].end_ms)
        limit = await client.page_limit()
        slots = len(
            range(-(-start // tf_ms) * tf_ms, min(end, emu.clock.now_ms - emu.clock.now_ms % tf_ms), tf_ms)
        )
        assert emu.request_count(exchange, "ohlcv") == -(-slots // limit)
    finally:
        await registry.aclose()
        await emu.stop()


@given(
    exchange=st.sampled_from(["binance", "okx"]),
    tf=st.sampled_from(list(TFS)),
    offset=st.integers(0, 5000),
    length=st.integers(1, 2500),
    gap_slots=st.lists(st.integers(2, 2400), max_size=4),
    jitter=st.sampled_from([0, 0, 1, 59_999]),
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_ranges_equal_ground_truth(exchange, tf, offset, length, gap_slots, jitter) -> None:
    asyncio.run(_check(exchange, tf, offset, length, gap_slots, jitter))
