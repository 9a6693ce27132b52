"""``migrate``: layout-1 data moved exactly (candles and coverage), a second run a no-op, an
interrupted run resumed; the service refuses a layout-1 store with a message naming the command."""

from __future__ import annotations

import pytest

from shared.series import SeriesKey
from shared.store import CandleStore, layout
from shared.store.layout_check import StoreLayoutError
from shared.store.migration import migrate
from tests.lake.legacy import write_legacy
from tests.lake.series_data import dataset, ms

WIDE = (ms(2000, 1, 1), ms(2030, 1, 1))


async def fill_legacy(backend) -> list[str]:
    keys = []
    for series, rows, coverage in dataset():
        keys += await write_legacy(backend, series, rows, coverage)
    return keys


async def snapshot(store: CandleStore, series: SeriesKey):
    rows = []
    async for batch in store.read(series, *WIDE):
        rows.extend(tuple(r.values()) for r in batch.to_pylist())
    return rows, await store.coverage(series, *WIDE)


async def assert_migrated_exactly(backend):
    store = CandleStore(backend)
    for series, rows, coverage in dataset():
        got_rows, got_coverage = await snapshot(store, series)
        assert got_rows == [tuple(r) for r in rows], series
        assert got_coverage == coverage, series
    keys = [i.key for i in await backend.list(layout.ROOT)]
    assert not [k for k in keys if layout.is_legacy_key(k)]
    assert layout.MARKER_KEY in keys
    assert all(layout.parse_series(k) for k in keys if k != layout.MARKER_KEY)


async def test_service_refuses_a_layout_1_store_naming_the_command(backend):
    await fill_legacy(backend)
    series = dataset()[0][0]
    with pytest.raises(StoreLayoutError, match="cbdata store migrate") as caught:
        await CandleStore(backend).coverage(series, *WIDE)
    assert caught.value.code == "STORE_LAYOUT_OUTDATED"
    with pytest.raises(StoreLayoutError):
        await CandleStore(backend).write(series, [], (ms(2024, 1, 1), ms(2024, 1, 2)))
    assert await backend.read(layout.MARKER_KEY) is None  # nothing written on a refused store


async def test_migration_moves_everything_and_a_second_run_does_nothing(backend):
    legacy = await fill_legacy(backend)
    assert len(legacy) == 7  # 1m: 2 months, 1h: 2 years, 1d: 1 decade, 1s: 2 days
    seen = []
    report = await migrate(backend, on_object=lambda done, total: seen.append((done, total)))
    assert report.objects_migrated == len(legacy) and report.marker_written
    assert report.candles_moved == sum(len(rows) for _, rows, _ in dataset())
    assert seen[-1] == (len(legacy), len(legacy))
    await assert_migrated_exactly(backend)
    # the 1d decade file became one file per year
    d1 = [k for k in (i.key for i in await backend.list(layout.ROOT)) if "timeframe=1d" in k]
    assert [k.rsplit("/", 2)[1:] for k in d1] == [
        ["year=2023", "2023.parquet"],
        ["year=2024", "2024.parquet"],
    ]

    before = await backend.list(layout.ROOT)
    again = await migrate(backend)
    assert (again.objects_migrated, again.marker_written) == (0, False)
    assert "nothing to migrate" in again.summary()
    assert await backend.list(layout.ROOT) == before  # same keys, same ETags: nothing rewritten


class CrashOnce(Exception):
    pass


class DeleteFailsOnce:
    """The backend, except that one delete fails: a crash between copying an object and removing it."""

    def __init__(self, inner, fail_at: int) -> None:
        self._inner, self._left = inner, fail_at

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def delete(self, key, *, if_match=None):
        self._left -= 1
        if self._left == 0:
            raise CrashOnce(key)
        return await self._inner.delete(key, if_match=if_match)


async def test_an_interrupted_migration_resumes(backend):
    legacy = await fill_legacy(backend)

    def stop_after_three(done, total):
        if done == 3:
            raise CrashOnce("stopped")

    with pytest.raises(CrashOnce):
        await migrate(backend, on_object=stop_after_three)
    with pytest.raises(CrashOnce):  # copied the 5th object but crashed before deleting it
        await migrate(DeleteFailsOnce(backend, fail_at=2))
    left = [i.key for i in await backend.list(layout.ROOT) if layout.is_legacy_key(i.key)]
    assert 0 < len(left) < len(legacy)
    with pytest.raises(StoreLayoutError):  # half-migrated: still refused
        await CandleStore(backend).exists(dataset()[0][0])
    report = await migrate(backend)
    assert report.objects_migrated == len(left) and report.marker_written
    await assert_migrated_exactly(backend)
