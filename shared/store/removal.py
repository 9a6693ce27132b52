"""Deleting candles: a whole series, or a range of it, with its coverage, so the next request for that
range finds it missing and fetches it again.

Each partition touched is rewritten (or removed, when nothing is left) conditionally on the ETag it
was read with; a writer that changed it meanwhile makes the deletion re-read and apply again, so a
deletion never removes candles written after it read the partition outside the deleted range.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from shared.backoff import on, retrying
from shared.errors import ConflictError, InvalidRequestError, StorageError
from shared.intervals import Interval, subtract
from shared.series import SeriesKey
from shared.store import layout
from shared.store import parquet_codec as codec
from shared.store.candle_store import CandleStore

log = logging.getLogger(__name__)
_FOREVER = 2**62  # beyond any millisecond timestamp: an open end


@dataclass(frozen=True, slots=True)
class DeleteResult:
    candles_deleted: int
    partitions_rewritten: int
    partitions_removed: int


async def delete_candles(
    store: CandleStore, series: SeriesKey, start: int | None = None, end: int | None = None
) -> DeleteResult:
    """Delete the candles and coverage of ``series`` in ``[start, end)`` (open ends: the whole series)."""
    lo = -_FOREVER if start is None else start
    hi = _FOREVER if end is None else end
    if lo >= hi:
        raise InvalidRequestError(f"the deleted range's start {start} must be before its end {end}")
    await store.ensure_layout()
    deleted = rewritten = removed = 0
    wanted = None  # with both ends given, only the partitions of the range are read
    if start is not None and end is not None:
        wanted = {layout.partition_key(series, p) for p, _ in layout.partitions(lo, hi, series.tf_ms)}
    for info in await store.backend.list(layout.series_prefix(series)):
        if layout.parse_series(info.key) != series or (wanted is not None and info.key not in wanted):
            continue
        candles, outcome = await _delete_in_partition(store, series, info.key, (lo, hi))
        deleted += candles
        rewritten += outcome == "rewritten"
        removed += outcome == "removed"
    return DeleteResult(deleted, rewritten, removed)


async def _delete_in_partition(
    store: CandleStore, series: SeriesKey, key: str, span: Interval
) -> tuple[int, str]:
    backend = store.backend
    try:
        # a conflict: written meanwhile, so delete from the new version
        async for attempt in retrying(store.conflict_policy, on(ConflictError)):
            with attempt:
                current = await backend.read(key)
                if current is None:
                    return 0, "gone"
                kept, coverage, candles = await asyncio.to_thread(_without, current.data, span)
                if kept is None:
                    return 0, "unchanged"
                if kept.num_rows == 0 and not coverage:
                    await backend.delete(key, if_match=current.etag)
                    log.info("deleted %s (%d candles)", key, candles)
                    return candles, "removed"
                data = await asyncio.to_thread(codec.encode, kept, coverage, series)
                await backend.write(key, data, if_match=current.etag)
                return candles, "rewritten"
    except ConflictError:
        pass
    raise StorageError(f"could not delete from {key}: it kept changing; try again")


def _without(data: bytes, span: Interval) -> tuple[pa.Table | None, list[Interval], int]:
    """What is left of a partition without ``span``: (rows, coverage, rows removed), or ``None`` rows
    when the span touches nothing in it."""
    table, coverage = codec.decode(data)
    ts = table.column("timestamp")
    keep = pc.or_(pc.less(ts, span[0]), pc.greater_equal(ts, span[1]))
    kept = table.filter(keep)
    left = subtract(coverage, [span])
    if kept.num_rows == table.num_rows and left == coverage:
        return None, coverage, 0
    return kept, left, table.num_rows - kept.num_rows
