"""Writing one partition: read-merge-write with a conditional write, retried on a lost race.

On a lost race (``ConflictError`` from the ETag condition) the writer re-reads and merges again with
jittered backoff, so concurrent writers (a sync and a client request, on one instance or two) both
land and nothing written is lost. An unreadable partition is set aside (quarantine) and written afresh.
"""

from __future__ import annotations

import asyncio
import logging

import pyarrow as pa

from shared.backoff import RetryPolicy, on, retrying
from shared.errors import ConflictError, CorruptPartitionError, InvalidRequestError, StorageError
from shared.intervals import Interval, union
from shared.series import SeriesKey
from shared.storage.backend import StorageBackend
from shared.store import layout
from shared.store import parquet_codec as codec
from shared.store.quarantine import Quarantine

log = logging.getLogger(__name__)


class PartitionWriter:
    def __init__(
        self, backend: StorageBackend, quarantine: Quarantine, policy: RetryPolicy, max_attempts: int
    ) -> None:
        self.backend = backend
        self.quarantine = quarantine
        self.policy = policy
        self._max_attempts = max_attempts

    async def write(
        self, series: SeriesKey, p_start: int, rows: pa.Table, covered: list[Interval]
    ) -> tuple[int, int]:
        """(1 if the partition changed else 0, conflicts retried)."""
        key = layout.partition_key(series, p_start)
        bounds = layout.partition_bounds(p_start, series.tf_ms)
        try:
            # jittered backoff: without it, N writers on one partition cost about N^2 attempts
            async for attempt in retrying(self.policy, on(ConflictError)):
                with attempt:
                    retries = attempt.retry_state.attempt_number - 1
                    if retries:
                        log.debug("write race on %s (attempt %d); re-reading and merging", key, retries + 1)
                    current = await self.backend.read(key)
                    try:
                        data = await asyncio.to_thread(
                            merged_partition,
                            series,
                            current.data if current else None,
                            rows,
                            covered,
                            bounds,
                        )
                    except CorruptPartitionError as exc:  # quarantine: set aside, then write afresh
                        await self.quarantine.set_aside(key, str(exc))
                        raise ConflictError(
                            f"{key} was unreadable and set aside; writing it afresh"
                        ) from None
                    if data is None:
                        return 0, retries  # nothing new: no write at all
                    if current is None:
                        await self.backend.write(key, data, if_none_match=True)
                    else:
                        await self.backend.write(key, data, if_match=current.etag)
                    return 1, retries
        except ConflictError:
            pass
        raise StorageError(f"could not write {key}: {self._max_attempts} conflicting writers in a row")


def check_rows(series: SeriesKey, table: pa.Table, start: int, end: int) -> None:
    """Refuse rows off the timeframe's grid or outside ``[start, end)``."""
    if table.num_rows == 0:
        return
    ts = table.column("timestamp").to_numpy()
    if (ts % series.tf_ms).any():
        raise InvalidRequestError(f"candle timestamps must be multiples of the {series.timeframe} timeframe")
    if ts.min() < start or ts.max() >= end:
        raise InvalidRequestError("candle rows lie outside the span they are written for")


def merged_partition(
    series: SeriesKey, stored_bytes: bytes | None, rows: pa.Table, covered: list[Interval], bounds: Interval
) -> bytes | None:
    """The partition's new bytes with ``rows`` merged in and ``covered`` added, or ``None`` when that
    changes nothing; compressed hard only once ``bounds`` is wholly covered (see parquet_codec).
    CPU work (decode, merge, encode): runs in a worker thread."""
    coverage: list[Interval]
    if stored_bytes is None:
        stored, coverage = codec.empty_table(), []
    else:
        stored, coverage = codec.decode(stored_bytes)
    merged = codec.merge(stored, rows)
    new_coverage = union(coverage, covered)
    if new_coverage == coverage and merged.equals(stored):
        return None
    level = codec.FINAL_LEVEL if new_coverage == [bounds] else codec.FILLING_LEVEL
    return codec.encode(merged, new_coverage, series, level=level)
