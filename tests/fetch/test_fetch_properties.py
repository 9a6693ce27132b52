"""Property test: random stored subsets, exchange gaps, transient faults and requested ranges.

The result always equals the emulator's ground truth exactly, and the candle requests made are the
minimum for the missing spans, plus one retry for each injected transient fault, plus the one history
probe the exchange layer needs when a never-fetched series starts at an empty slot (it cannot tell a
no-trade minute from "no history there" otherwise; see docs/exchanges.md).
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.fetch.planning import plan_fetch
from shared.intervals import align
from shared.series import SeriesKey
from shared.store import layout
from tests.fetch.helpers import LIMIT, MIN, NOW_SLOT, fetch_rows, klines

SYMBOLS = [f"P{i}/USDT" for i in range(40)]
_next = itertools.count()
BASE = NOW_SLOT - 4_000 * MIN
span = st.tuples(st.integers(0, 3_200), st.integers(1, 1_500))


def ensure_markets(emu):
    if SYMBOLS[0] not in emu.markets["binance"]:
        for i, symbol in enumerate(SYMBOLS):
            emu.add_series(
                "binance", symbol, seed=100 + i, base_price=50.0 + i, listing_ms=BASE - 10_000 * MIN
            )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stored=st.lists(span, max_size=4),
    gaps=st.lists(st.tuples(st.integers(0, 3_500), st.integers(1, 40)), max_size=5),
    faults=st.integers(0, 2),
    request=span,
)
async def test_fetch_equals_ground_truth_with_the_minimum_requests(
    service, exchange_emulator, stored, gaps, faults, request
):
    emu = exchange_emulator
    ensure_markets(emu)
    series = SeriesKey("binance", SYMBOLS[next(_next) % len(SYMBOLS)], "1m")
    for info in await service.store.backend.list(layout.series_prefix(series)):  # a clean series
        await service.store.backend.delete(info.key)
    emu.series("binance", series.symbol).gaps = [(BASE + a * MIN, BASE + (a + n) * MIN) for a, n in gaps]
    for a, n in stored:
        await fetch_rows(service, series, BASE + a * MIN, BASE + (a + n) * MIN)
    start, end = BASE + request[0] * MIN, BASE + (request[0] + request[1]) * MIN
    missing = align(await service.store.missing(series, start, min(end, service.closed_end(series))), MIN)
    first_stored = await service.store.first_timestamp(series)
    emu.reset_counts()
    if faults:
        emu.inject("binance", "status", count=faults, status=503)
    rows = await fetch_rows(service, series, start, end)
    assert rows == emu.ground_truth("binance", series.symbol, "1m", start, end)
    minimum = plan_fetch(missing, MIN, LIMIT).requests
    used_faults = faults if minimum else 0
    probe = 0
    if missing and (first_stored is None or first_stored >= missing[0][0]):
        probe = int(not emu.ground_truth("binance", series.symbol, "1m", missing[0][0], missing[0][0] + MIN))
    assert klines(emu) == minimum + used_faults + probe
    emu.faults.clear()
