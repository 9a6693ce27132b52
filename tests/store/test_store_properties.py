"""Property test: random writes and reads on the store equal a plain in-memory model, on both backends.

Each hypothesis example uses a fresh series on the same backend, so examples never see each other.
"""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.intervals import missing, union
from shared.series import SeriesKey
from shared.store import CandleStore

MIN = 60_000
BASE = 1_706_738_400_000 - 90 * MIN  # 20:30 on Jan 31 2024: writes straddle the month boundary
SLOTS = 240
_counter = itertools.count()

write_op = st.tuples(
    st.integers(0, SLOTS - 1),  # span start (minutes from BASE)
    st.integers(1, 120),  # span length
    st.lists(st.integers(0, 119), max_size=60),  # which minutes of the span have candles
)
read_op = st.tuples(st.integers(0, SLOTS), st.integers(0, SLOTS))


class Model:
    def __init__(self):
        self.rows: dict[int, tuple] = {}
        self.covered: list[tuple[int, int]] = []

    def write(self, rows, span):
        for row in rows:
            self.rows[row[0]] = tuple(row)
        self.covered = union(self.covered, [span])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(write_op, min_size=1, max_size=6), reads=st.lists(read_op, min_size=1, max_size=4))
async def test_store_behaves_like_the_model(backend, writes, reads):
    series = SeriesKey("binance", f"P{next(_counter)}/USDT", "1m")
    store, model = CandleStore(backend), Model()
    for n, (start, length, picks) in enumerate(writes):
        span = (BASE + start * MIN, BASE + min(start + length, SLOTS + 60) * MIN)
        minutes = sorted({p for p in picks if p < (span[1] - span[0]) // MIN})
        rows = [[span[0] + m * MIN, n + 1.0, n + 2.0, n + 0.5, n + 1.5, float(m)] for m in minutes]
        await store.write(series, rows, span)
        model.write(rows, span)
    for a, b in reads:
        start, end = BASE + min(a, b) * MIN, BASE + max(a, b) * MIN
        got = []
        async for batch in store.read(series, start, end, batch_rows=17):
            got.extend(tuple(r.values()) for r in batch.to_pylist())
        assert got == [model.rows[t] for t in sorted(model.rows) if start <= t < end]
        assert await store.missing(series, start, end) == missing(model.covered, start, end)
    assert await store.latest_timestamp(series) == (max(model.rows) if model.rows else None)
