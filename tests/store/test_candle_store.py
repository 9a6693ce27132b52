"""The candle store on both backends (local files and Azurite)."""

import asyncio
from datetime import UTC, datetime

import pytest

from shared.errors import InvalidRequestError
from shared.series import SeriesKey
from shared.store import CandleStore, layout

MIN = 60_000
JAN31 = int(datetime(2024, 1, 31, 22, tzinfo=UTC).timestamp() * 1000)


def candle(ts, price=100.0):
    return [ts, price, price + 1, price - 1, price + 0.5, 1.25]


async def read_all(store, series, start, end, **kw):
    rows = []
    async for batch in store.read(series, start, end, **kw):
        rows.extend(tuple(r.values()) for r in batch.to_pylist())
    return rows


@pytest.fixture
def store(backend):
    return CandleStore(backend)


SERIES = SeriesKey("binance", "BTC/USDT", "1m")


async def test_write_then_read_across_a_partition_boundary(store, backend):
    span = (JAN31, JAN31 + 240 * MIN)  # 22:00 Jan 31 .. 02:00 Feb 1
    rows = [candle(JAN31 + i * MIN, 100 + i) for i in range(240) if i != 7]  # minute 7: no trades
    result = await store.write(SERIES, rows, span)
    assert result.partitions_written == 2
    got = await read_all(store, SERIES, *span, batch_rows=50)
    assert got == [tuple(r) for r in rows]
    assert await store.missing(SERIES, JAN31 - 10 * MIN, span[1] + 5 * MIN) == [
        (JAN31 - 10 * MIN, JAN31),
        (span[1], span[1] + 5 * MIN),
    ]
    keys = [i.key for i in await backend.list(layout.series_prefix(SERIES))]
    assert [k.split("timeframe=1m/")[1] for k in keys] == [
        "year=2024/2024-01.parquet",
        "year=2024/2024-02.parquet",
    ]


async def test_batches_are_bounded_and_ordered(store):
    rows = [candle(JAN31 + i * MIN) for i in range(300)]
    await store.write(SERIES, rows, (JAN31, JAN31 + 300 * MIN))
    sizes, last = [], -1
    async for batch in store.read(SERIES, JAN31 + 5 * MIN, JAN31 + 290 * MIN, batch_rows=64):
        ts = batch.column("timestamp").to_pylist()
        assert ts[0] > last and ts == sorted(ts)
        last = ts[-1]
        sizes.append(batch.num_rows)
    assert max(sizes) <= 64 and sum(sizes) == 285


async def test_newest_write_wins_and_unchanged_writes_write_nothing(store):
    span = (JAN31, JAN31 + 10 * MIN)
    await store.write(SERIES, [candle(JAN31 + i * MIN, 1) for i in range(10)], span)
    again = await store.write(SERIES, [candle(JAN31 + i * MIN, 1) for i in range(10)], span)
    assert again.partitions_written == 0
    await store.write(SERIES, [candle(JAN31 + 3 * MIN, 7)], (JAN31 + 3 * MIN, JAN31 + 4 * MIN))
    got = await read_all(store, SERIES, *span)
    assert len(got) == 10 and got[3][1] == 7 and got[2][1] == 1


async def test_confirmed_empty_span_is_covered_without_candles(store):
    await store.write(SERIES, [], (JAN31, JAN31 + 60 * MIN))
    assert await store.missing(SERIES, JAN31, JAN31 + 60 * MIN) == []
    assert await read_all(store, SERIES, JAN31, JAN31 + 60 * MIN) == []
    assert await store.latest_timestamp(SERIES) is None
    assert await store.coverage_end(SERIES) == JAN31 + 60 * MIN


async def test_latest_timestamp_catalog_and_exists(store):
    other = SeriesKey("okx", "ETH/USDT:USDT", "1h")
    assert not await store.exists(SERIES)
    await store.write(SERIES, [candle(JAN31 + i * MIN) for i in range(100)], (JAN31, JAN31 + 100 * MIN))
    await store.write(SERIES, [], (JAN31 + 100 * MIN, JAN31 + 200 * MIN))
    await store.write(
        other, [candle(JAN31 + i * 3_600_000) for i in range(5)], (JAN31, JAN31 + 5 * 3_600_000)
    )
    assert await store.exists(SERIES)
    assert await store.latest_timestamp(SERIES) == JAN31 + 99 * MIN
    assert await store.coverage_end(SERIES) == JAN31 + 200 * MIN
    catalog = {info.series: info for info in await store.catalog()}
    assert set(catalog) == {SERIES, other}
    assert (catalog[SERIES].first_ts, catalog[SERIES].last_ts, catalog[SERIES].count) == (
        JAN31,
        JAN31 + 99 * MIN,
        100,
    )
    assert catalog[SERIES].partitions == 2 and catalog[other].count == 5


@pytest.mark.parametrize(
    ("rows", "span"),
    [
        ([candle(JAN31 + 30_000)], (JAN31, JAN31 + MIN * 2)),  # not on the 1m grid
        ([candle(JAN31 + 5 * MIN)], (JAN31, JAN31 + 2 * MIN)),  # outside its span
        ([[JAN31, 1, 2]], (JAN31, JAN31 + MIN)),  # wrong shape
        ([], (JAN31, JAN31)),  # start >= end
    ],
)
async def test_bad_writes_are_refused_and_write_nothing(store, backend, rows, span):
    with pytest.raises(InvalidRequestError):
        await store.write(SERIES, rows, span)
    assert await backend.list("ohlcv/") == []


async def test_concurrent_writers_on_one_partition_lose_nothing(store, backend):
    """N tasks write overlapping ranges of the same partition at once: the result is the union."""
    tasks = 8
    spans = [
        (JAN31 - 300 * MIN + k * 20 * MIN, JAN31 - 300 * MIN + k * 20 * MIN + 60 * MIN) for k in range(tasks)
    ]

    async def writer(k):
        s, e = spans[k]
        await store.write(SERIES, [candle(t) for t in range(s, e, MIN)], (s, e))

    await asyncio.gather(*(writer(k) for k in range(tasks)))
    lo, hi = spans[0][0], spans[-1][1]
    got = [r[0] for r in await read_all(CandleStore(backend), SERIES, lo, hi)]
    assert got == list(range(lo, hi, MIN))
    assert await CandleStore(backend).missing(SERIES, lo, hi) == []
    assert len(await backend.list(layout.series_prefix(SERIES))) == 1


async def test_an_early_stopped_read_leaves_nothing_running(store):
    await store.write(SERIES, [candle(JAN31 + i * MIN) for i in range(240)], (JAN31, JAN31 + 240 * MIN))
    stream = store.read(SERIES, JAN31, JAN31 + 240 * MIN, batch_rows=10)
    first = await anext(stream)
    await stream.aclose()
    assert first.num_rows == 10
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert pending == []


def test_layout_keys_of_written_series_parse_back():
    key = layout.partition_key(SERIES, JAN31)
    assert layout.parse_series(key) == SERIES


async def test_uncovered_slots_are_not_marked_covered(store):
    span = (JAN31, JAN31 + 10 * MIN)
    rows = [candle(JAN31 + i * MIN) for i in range(10) if i != 4]
    await store.write(SERIES, rows, span, uncovered=[(JAN31 + 4 * MIN, JAN31 + 5 * MIN)])
    assert await store.missing(SERIES, *span) == [(JAN31 + 4 * MIN, JAN31 + 5 * MIN)]
    assert len(await read_all(store, SERIES, *span)) == 9
