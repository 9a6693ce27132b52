"""Storing archive files: every file of one storage partition in one write.

A 1m partition is a month. A month that comes as daily files (the current one, or one whose monthly
file is missing) would otherwise be read, merged and re-encoded once per day, each time larger: 26
days cost 30x the CPU of one write of the same rows. So the parsed files of a partition are held
until every file planned for it has arrived or failed (at most a partition's rows), then stored in
one write whose span is the files' hull: the days between them that no file brought (a 404, a
rejected file) and each file's holes are written as not covered, so REST still asks for them.
Progress is still reported per file. A file larger than one partition is stored on its own.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pyarrow as pa

from shared.exchange.archive import ArchiveFile, ArchiveRows
from shared.fetch.progress import FetchTally, report
from shared.intervals import normalize, subtract
from shared.series import SeriesKey
from shared.store import CandleStore
from shared.store.layout import partition_bounds

GroupKey = tuple[int, int] | ArchiveFile


class PartitionWrites:
    def __init__(self, store: CandleStore, series: SeriesKey, tally: FetchTally) -> None:
        self._store, self._series, self._tally = store, series, tally
        self._expected: Counter[GroupKey] = Counter()
        self._held: dict[GroupKey, list[ArchiveRows]] = {}
        # one write at a time: a month encoded at the final zstd level takes ~8 MB while it runs, and
        # side by side writes raised the cold year's peak RSS by ~25 MB for ~0.07 s of its wall time
        self._writing = asyncio.Lock()
        self._started: set[asyncio.Task[None]] = set()

    def _key(self, file: ArchiveFile) -> GroupKey:
        bounds = partition_bounds(file.start_ms, self._series.tf_ms)
        return bounds if file.end_ms <= bounds[1] else file

    def expect(self, file: ArchiveFile) -> None:
        """``file`` is planned: its partition waits for it."""
        self._expected[self._key(file)] += 1

    async def settle(self, file: ArchiveFile, rows: ArchiveRows | None) -> None:
        """``file`` arrived (``rows``) or failed (``None``); its partition is stored once complete."""
        key = self._key(file)
        self._expected[key] -= 1
        if rows is not None:
            self._held.setdefault(key, []).append(rows)
        if self._expected[key] <= 0:
            del self._expected[key]
            write = asyncio.ensure_future(self._write(self._held.pop(key, [])))
            self._started.add(write)
            write.add_done_callback(self._started.discard)
            await asyncio.shield(write)  # a cancelled pass still finishes a write it started

    async def flush(self) -> None:
        """Store what is held for partitions whose other files will not come (the pass ended early),
        after the writes already started."""
        await asyncio.gather(*self._started, return_exceptions=True)
        for key in list(self._held):
            await self._write(self._held.pop(key))

    async def _write(self, parts: list[ArchiveRows]) -> None:
        if not parts:
            return
        parts.sort(key=lambda p: p.start_ms)
        span = (parts[0].start_ms, parts[-1].end_ms)
        between = subtract([span], [(p.start_ms, p.end_ms) for p in parts])
        uncovered = normalize([*between, *(hole for p in parts for hole in p.uncovered)])
        table = parts[0].table if len(parts) == 1 else pa.concat_tables([p.table for p in parts])
        async with self._writing:
            result = await self._store.write(self._series, table, span, uncovered=uncovered)
        tally, tf_ms = self._tally, self._series.tf_ms
        tally.writes += result.partitions_written
        for part in parts:  # progress per stored file
            tally.archive_files += 1
            tally.candles += part.table.num_rows
            holes = sum(b - a for a, b in part.uncovered)
            tally.known += (part.end_ms - part.start_ms - holes) // tf_ms
            await report(tally.callback, tally.progress())
