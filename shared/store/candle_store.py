"""The candle store: what candles and coverage a series has, on any ``StorageBackend``.

Each partition object holds its candles *and* the spans known complete ("coverage": fetched spans,
including the exchange's confirmed no-trade gaps). Writes are read-merge-write with a conditional
write (ETag); on a lost race the writer re-reads and merges again, so concurrent writers (a sync and a
client request, on one instance or two) both land and nothing written is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from shared.backoff import RetryPolicy, on, retrying
from shared.errors import ConflictError, CorruptPartitionError, InvalidRequestError, StorageError
from shared.intervals import Interval, clip, missing, subtract, union
from shared.series import SeriesKey
from shared.storage.backend import ObjectInfo, StorageBackend
from shared.store import layout
from shared.store import parquet_codec as codec
from shared.store.layout_check import LayoutGuard
from shared.store.parquet_codec import PartitionSummary
from shared.store.quarantine import Quarantine
from shared.store.summaries import CONCURRENCY, SummaryReader

log = logging.getLogger(__name__)
DEFAULT_BATCH_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class WriteResult:
    partitions_written: int
    conflicts_retried: int


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    series: SeriesKey
    first_ts: int | None
    last_ts: int | None
    count: int
    partitions: int


class CandleStore:
    def __init__(
        self, backend: StorageBackend, *, max_write_attempts: int = 50, check_layout: bool = True
    ) -> None:
        self.backend = backend
        self._summaries = SummaryReader(backend)
        self.quarantine = Quarantine(backend)  # unreadable partitions go there (hooks marked "quarantine")
        self._max_write_attempts = max_write_attempts
        # the backoff of every conditional rewrite of a partition (writes, deletions, the migration)
        self.conflict_policy = RetryPolicy(max_write_attempts, 0.005, 0.5, min_jitter=0.0)
        # the migration writes before the marker exists: it checks the layout itself
        self._layout = LayoutGuard(backend) if check_layout else None

    async def ensure_layout(self, *, for_write: bool = False) -> None:
        """Refuse (``StoreLayoutError``) a store of another layout; run before every use (cheap)."""
        if self._layout is not None:
            await self._layout.check(for_write=for_write)

    # -- writing -------------------------------------------------------------------------------
    async def write(
        self,
        series: SeriesKey,
        rows: Sequence[Sequence[float]] | pa.Table,
        span: Interval,
        *,
        uncovered: Sequence[Interval] = (),
    ) -> WriteResult:
        """Store ``rows`` as *everything* the exchange has in ``span`` (so ``span`` becomes covered).

        Rows are merged with what is stored: sorted, de-duplicated by timestamp, the newest write wins.
        An empty ``rows`` with a span records a confirmed gap (no trades). Parts of the span listed in
        ``uncovered`` (e.g. slots where the exchange sent an unusable row) are not marked covered.
        """
        start, end = int(span[0]), int(span[1])
        if start >= end:
            raise InvalidRequestError(f"span start {start} must be before its end {end}")
        try:
            table = codec.rows_to_table(rows)
        except (ValueError, TypeError, pa.ArrowException) as exc:
            raise InvalidRequestError(f"candle rows are malformed: {exc}") from exc
        self._check_rows(series, table, start, end)
        await self.ensure_layout(for_write=True)
        written = retried = 0
        for p_start, p_end in layout.partitions(start, end, series.tf_ms):
            ts = table.column("timestamp")
            part_rows = table.filter(pc.and_(pc.greater_equal(ts, p_start), pc.less(ts, p_end)))
            covered = subtract([(max(start, p_start), min(end, p_end))], uncovered)
            changed, conflicts = await self._write_partition(series, p_start, part_rows, covered)
            written += changed
            retried += conflicts
        return WriteResult(written, retried)

    def _check_rows(self, series: SeriesKey, table: pa.Table, start: int, end: int) -> None:
        if table.num_rows == 0:
            return
        ts = table.column("timestamp").to_numpy()
        if (ts % series.tf_ms).any():
            raise InvalidRequestError(
                f"candle timestamps must be multiples of the {series.timeframe} timeframe"
            )
        if ts.min() < start or ts.max() >= end:
            raise InvalidRequestError("candle rows lie outside the span they are written for")

    async def _write_partition(
        self, series: SeriesKey, p_start: int, rows: pa.Table, covered: list[Interval]
    ) -> tuple[int, int]:
        key = layout.partition_key(series, p_start)
        bounds = layout.partition_bounds(p_start, series.tf_ms)
        try:
            # jittered backoff: without it, N writers on one partition cost about N^2 attempts
            async for attempt in retrying(self.conflict_policy, on(ConflictError)):
                with attempt:
                    retries = attempt.retry_state.attempt_number - 1
                    if retries:
                        log.debug("write race on %s (attempt %d); re-reading and merging", key, retries + 1)
                    current = await self.backend.read(key)
                    try:
                        data = await asyncio.to_thread(
                            _merged_partition,
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
        raise StorageError(f"could not write {key}: {self._max_write_attempts} conflicting writers in a row")

    # -- coverage ------------------------------------------------------------------------------
    async def coverage(self, series: SeriesKey, start: int, end: int) -> list[Interval]:
        """The spans of ``[start, end)`` known complete."""
        infos = await self._partition_infos(series, start, end)
        summaries = await self._readable_summaries(infos)
        return clip(union(*(s.coverage for s in summaries)), start, end)

    async def missing(self, series: SeriesKey, start: int, end: int) -> list[Interval]:
        """The spans of ``[start, end)`` not known complete (what a fetcher must still download)."""
        if start >= end:
            return []
        return missing(await self.coverage(series, start, end), start, end)

    # -- reading -------------------------------------------------------------------------------
    async def read(
        self, series: SeriesKey, start: int, end: int, *, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> AsyncIterator[pa.Table]:
        """Candles with ``start <= timestamp < end`` in order, as tables of at most ``batch_rows`` rows.

        One partition is decoded at a time while the next one downloads, so memory stays bounded by
        about two partitions however long the range is.
        """
        infos = await self._partition_infos(series, start, end)
        if not infos:
            return
        next_load: asyncio.Future[pa.Table] | None = asyncio.ensure_future(self._load(infos[0], start, end))
        try:
            for i in range(len(infos)):
                assert next_load is not None
                table = await next_load
                next_load = None
                if i + 1 < len(infos):
                    next_load = asyncio.ensure_future(self._load(infos[i + 1], start, end))
                for offset in range(0, table.num_rows, batch_rows):
                    yield table.slice(offset, batch_rows)
        finally:
            if next_load is not None:
                next_load.cancel()
                await asyncio.gather(next_load, return_exceptions=True)

    async def _load(self, info: ObjectInfo, start: int, end: int) -> pa.Table:
        obj = await self.backend.read(info.key)
        if obj is None:  # deleted meanwhile (an operator, or another instance's quarantine)
            return codec.empty_table()
        try:
            return await asyncio.to_thread(_decode_range, obj.data, start, end)
        except CorruptPartitionError as exc:  # quarantine: the answer would have a hole, so it fails
            await self.quarantine.set_aside(info.key, str(exc))
            raise

    async def _readable_summaries(self, infos: list[ObjectInfo]) -> list[PartitionSummary]:
        """Summaries of ``infos``; an unreadable partition is quarantined and left out."""
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(info: ObjectInfo) -> PartitionSummary | None:
            async with limit:
                try:
                    return await self._summaries.one(info)
                except CorruptPartitionError as exc:  # quarantine
                    await self.quarantine.set_aside(info.key, str(exc))
                    return None

        found = await asyncio.gather(*(one(i) for i in infos))
        return [s for s in found if s is not None]

    async def _partition_infos(self, series: SeriesKey, start: int, end: int) -> list[ObjectInfo]:
        wanted = {layout.partition_key(series, p) for p, _ in layout.partitions(start, end, series.tf_ms)}
        if not wanted:
            return []
        await self.ensure_layout()
        listed = await self.backend.list(layout.series_prefix(series))
        return [info for info in listed if info.key in wanted]

    # -- what is stored ------------------------------------------------------------------------
    async def latest_timestamp(self, series: SeriesKey) -> int | None:
        """Opening time of the newest stored candle, or ``None``."""
        return await self._scan(series, newest_first=True, pick=lambda s: s.last_ts)

    async def first_timestamp(self, series: SeriesKey) -> int | None:
        """Opening time of the oldest stored candle, or ``None``."""
        return await self._scan(series, newest_first=False, pick=lambda s: s.first_ts)

    async def coverage_end(self, series: SeriesKey) -> int | None:
        """End of the newest covered span, or ``None`` for a series never fetched."""
        return await self._scan(
            series, newest_first=True, pick=lambda s: s.coverage[-1][1] if s.coverage else None
        )

    async def _scan(
        self, series: SeriesKey, *, newest_first: bool, pick: Callable[[PartitionSummary], int | None]
    ) -> int | None:
        """The first non-``None`` ``pick`` of the partition summaries, oldest or newest first."""
        await self.ensure_layout()
        listed = await self.backend.list(layout.series_prefix(series))
        for info in reversed(listed) if newest_first else listed:
            summaries = await self._readable_summaries([info])  # quarantine
            found = pick(summaries[0]) if summaries else None
            if found is not None:
                return found
        return None

    async def exists(self, series: SeriesKey) -> bool:
        await self.ensure_layout()
        return bool(await self.backend.list(layout.series_prefix(series)))

    async def catalog(self) -> list[SeriesInfo]:
        """Every stored series with its first and last candle and candle count."""
        await self.ensure_layout()
        grouped: dict[SeriesKey, list[ObjectInfo]] = {}
        for info in await self.backend.list(layout.ROOT):
            series = layout.parse_series(info.key)
            if series is not None:
                grouped.setdefault(series, []).append(info)
        result = []
        for series, infos in grouped.items():
            summaries = await self._readable_summaries(infos)
            if not summaries:
                continue  # every partition of the series was unreadable (now quarantined)
            firsts = [s.first_ts for s in summaries if s.first_ts is not None]
            lasts = [s.last_ts for s in summaries if s.last_ts is not None]
            result.append(
                SeriesInfo(
                    series,
                    min(firsts) if firsts else None,
                    max(lasts) if lasts else None,
                    sum(s.rows for s in summaries),
                    len(summaries),
                )
            )
        return sorted(result, key=lambda i: (i.series.exchange, i.series.symbol, i.series.timeframe))


def _merged_partition(
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


def _decode_range(data: bytes, start: int, end: int) -> pa.Table:
    table, _ = codec.decode(data)
    ts = table.column("timestamp")
    if table.num_rows and (ts[0].as_py() < start or ts[-1].as_py() >= end):
        table = table.filter(pc.and_(pc.greater_equal(ts, start), pc.less(ts, end)))
    return table
