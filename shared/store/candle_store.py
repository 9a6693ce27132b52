"""The candle store: what candles and coverage a series has, on any ``StorageBackend``.

Each partition object holds its candles *and* the spans known complete ("coverage": fetched spans,
including the exchange's confirmed no-trade gaps). Writes are read-merge-write with a conditional
write (ETag), retried on a lost race (``partition_writer``); reads stream partition after partition
(``partition_reader``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from shared.backoff import RetryPolicy
from shared.errors import CorruptPartitionError, InvalidRequestError
from shared.intervals import Interval, clip, missing, subtract, union
from shared.series import SeriesKey
from shared.storage.backend import ObjectInfo, StorageBackend
from shared.store import layout
from shared.store import parquet_codec as codec
from shared.store.catalog import SeriesInfo, series_info
from shared.store.layout_check import LayoutGuard
from shared.store.parquet_codec import PartitionSummary
from shared.store.partition_reader import PartitionReader
from shared.store.partition_writer import PartitionWriter, check_rows
from shared.store.quarantine import Quarantine
from shared.store.summaries import CONCURRENCY, SummaryReader

DEFAULT_BATCH_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class WriteResult:
    partitions_written: int
    conflicts_retried: int


class CandleStore:
    def __init__(
        self, backend: StorageBackend, *, max_write_attempts: int = 50, check_layout: bool = True
    ) -> None:
        self.backend = backend
        self._summaries = SummaryReader(backend)
        self.quarantine = Quarantine(backend)  # unreadable partitions go there (hooks marked "quarantine")
        # the backoff of every conditional rewrite of a partition (writes, deletions, the migration)
        self.conflict_policy = RetryPolicy(max_write_attempts, 0.005, 0.5, min_jitter=0.0)
        # the migration writes before the marker exists: it checks the layout itself
        self._layout = LayoutGuard(backend) if check_layout else None
        self._writer = PartitionWriter(backend, self.quarantine, self.conflict_policy, max_write_attempts)
        self._reader = PartitionReader(backend, self.quarantine)

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
        check_rows(series, table, start, end)
        await self.ensure_layout(for_write=True)
        written = retried = 0
        for p_start, p_end in layout.partitions(start, end, series.tf_ms):
            ts = table.column("timestamp")
            part_rows = table.filter(pc.and_(pc.greater_equal(ts, p_start), pc.less(ts, p_end)))
            covered = subtract([(max(start, p_start), min(end, p_end))], uncovered)
            changed, conflicts = await self._writer.write(series, p_start, part_rows, covered)
            written += changed
            retried += conflicts
        return WriteResult(written, retried)

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
        async with aclosing(self._reader.stream(infos, start, end, batch_rows)) as tables:
            async for table in tables:  # aclosing: stopping this read stops the next download too
                yield table

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
            result.append(series_info(series, summaries))
        return sorted(result, key=lambda i: (i.series.exchange, i.series.symbol, i.series.timeframe))
