"""Deleting candles with their coverage, on both backends."""

from __future__ import annotations

import pytest

from shared.errors import InvalidRequestError
from shared.store import CandleStore, layout
from shared.store.removal import delete_candles
from tests.lake.series_data import dataset, ms

WIDE = (ms(2000, 1, 1), ms(2030, 1, 1))


async def filled(backend) -> CandleStore:
    store = CandleStore(backend)
    for series, rows, coverage in dataset():
        for span in coverage:
            await store.write(series, [r for r in rows if span[0] <= r[0] < span[1]], span)
    return store


async def rows_of(store, series):
    out = []
    async for batch in store.read(series, *WIDE):
        out.extend(batch.column("timestamp").to_pylist())
    return out


async def test_a_range_across_partitions_loses_its_candles_and_coverage_only(backend):
    store = await filled(backend)
    (m1, m1_rows, m1_cov), (h1, _, h1_cov) = dataset()[:2]
    cut = (ms(2024, 1, 31, 23, 50), ms(2024, 2, 1, 0, 10))  # across the Jan/Feb files
    result = await delete_candles(store, m1, *cut)
    assert result.candles_deleted == sum(1 for r in m1_rows if cut[0] <= r[0] < cut[1]) == 20
    assert result.partitions_rewritten == 2 and result.partitions_removed == 0
    assert await rows_of(store, m1) == [r[0] for r in m1_rows if not cut[0] <= r[0] < cut[1]]
    assert await store.missing(m1, *m1_cov[0]) == [cut]
    assert await store.coverage(h1, *WIDE) == h1_cov  # other series untouched
    again = await delete_candles(store, m1, *cut)
    assert (again.candles_deleted, again.partitions_rewritten) == (0, 0)  # nothing left to delete there


async def test_a_whole_series_is_removed_with_its_files(backend):
    store = await filled(backend)
    d1, d1_rows, d1_cov = dataset()[2]
    stored = sum(1 for r in d1_rows if any(s <= r[0] < e for s, e in d1_cov))
    result = await delete_candles(store, d1)
    assert result.partitions_removed == 2 and result.candles_deleted == stored
    assert await backend.list(layout.series_prefix(d1)) == []
    assert await store.missing(d1, ms(2023, 12, 20), ms(2024, 1, 20)) == [(ms(2023, 12, 20), ms(2024, 1, 20))]
    assert len(await store.catalog()) == len(dataset()) - 1


async def test_an_open_start_deletes_everything_before_the_end(backend):
    store = await filled(backend)
    h1, h1_rows, _ = dataset()[1]
    result = await delete_candles(store, h1, None, ms(2024, 1, 1))
    assert result.partitions_removed == 1  # the 2023 file went entirely; 2024 was not touched
    assert await rows_of(store, h1) == [r[0] for r in h1_rows if r[0] >= ms(2024, 1, 1)]
    with pytest.raises(InvalidRequestError):
        await delete_candles(store, h1, ms(2024, 1, 2), ms(2024, 1, 1))
