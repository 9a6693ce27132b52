"""``cbdata store migrate``: move a store of layout 1 into the current layout, losing nothing.

Each layout-1 object is copied, candles *and* coverage, into the current layout's partitions with the
store's own merge-write (so a copy over what an earlier, interrupted run already copied changes
nothing), and only then deleted, conditionally on the ETag it was copied from. The marker is written
last, once no layout-1 object is left. An interrupted run is therefore resumed by running it again,
and a run on a migrated store reads the marker, lists once and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from shared.backoff import on, retrying
from shared.errors import ConflictError, StorageError
from shared.intervals import missing
from shared.storage.backend import ObjectInfo, StorageBackend
from shared.store import layout
from shared.store import parquet_codec as codec
from shared.store.candle_store import CandleStore
from shared.store.layout_check import refuse, stored_version, write_marker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MigrationReport:
    objects_migrated: int
    candles_moved: int
    marker_written: bool

    def summary(self) -> str:
        if not self.objects_migrated and not self.marker_written:
            return f"the store is already in layout {layout.VERSION}: nothing to migrate"
        return (
            f"migrated {self.objects_migrated} partition(s), {self.candles_moved:,} candles, "
            f"to layout {layout.VERSION}"
        )


async def legacy_objects(backend: StorageBackend) -> list[ObjectInfo]:
    return [info for info in await backend.list(layout.ROOT) if layout.is_legacy_key(info.key)]


async def migrate(
    backend: StorageBackend, *, on_object: Callable[[int, int], None] | None = None
) -> MigrationReport:
    """Migrate every layout-1 object; ``on_object(done, total)`` after each one."""
    version, marked = await stored_version(backend)
    if version is not None and version > layout.VERSION:
        raise refuse(version)
    store = CandleStore(backend, check_layout=False)  # the marker comes last, when nothing is left
    todo = await legacy_objects(backend)
    candles = 0
    for done, info in enumerate(todo, start=1):
        candles += await _migrate_object(store, info.key)
        if on_object is not None:
            on_object(done, len(todo))
    if await legacy_objects(backend):  # written meanwhile by a service of the old version
        raise StorageError("layout-1 objects appeared during the migration: stop the old service, run again")
    if not marked:
        await write_marker(backend)
    return MigrationReport(len(todo), candles, not marked)


async def _migrate_object(store: CandleStore, key: str) -> int:
    series = layout.legacy_series(key)
    assert series is not None  # listed by is_legacy_key
    try:
        # a conflict: rewritten while being copied, so copy the new bytes too (the merge keeps both)
        async for attempt in retrying(store.conflict_policy, on(ConflictError)):
            with attempt:
                obj = await store.backend.read(key)
                if obj is None:
                    return 0  # another run moved it meanwhile
                table, coverage = await asyncio.to_thread(codec.decode, obj.data)
                if table.num_rows or coverage:
                    ts = table.column("timestamp")
                    rows = table.num_rows
                    starts = [c[0] for c in coverage[:1]] + ([ts[0].as_py()] if rows else [])
                    ends = [c[1] for c in coverage[-1:]] + ([ts[-1].as_py() + series.tf_ms] if rows else [])
                    lo, hi = min(starts), max(ends)
                    await store.write(series, table, (lo, hi), uncovered=missing(coverage, lo, hi))
                await store.backend.delete(key, if_match=obj.etag)
                log.info("migrated %s (%d candles)", key, table.num_rows)
                return table.num_rows
    except ConflictError:
        pass
    raise StorageError(f"{key} kept changing while being migrated: stop the old service, run again")
