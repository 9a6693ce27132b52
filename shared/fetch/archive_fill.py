"""The archive pass of a fetch: complete past days come from an exchange's bulk archive, if it has one.

For the missing parts of a span that lie in complete, published past days, the source's files (whole
months as monthly files, the other days as daily ones) are downloaded ``concurrency`` at a time,
verified, parsed and stored, oldest first in the queue; every file of one storage partition is
stored in one write (``archive_writes.py``). The downloads may have started before the pass, while
the request's exchange checks ran (``prefetch``, ``archive_prefetch.py``): the pass takes the ones
it plans. A slot the file has no valid row for stays missing, so the REST pass that follows asks the
exchange about it: only REST can record a no-trade gap. Whatever goes wrong with a file -- 404 (not
published yet), checksum mismatch, a corrupt zip, a timeout -- leaves its span to REST (a monthly
file that is missing is tried as daily files first); nothing of a failed file is stored. An
unreachable archive host ends the pass for the whole request, logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping

from shared.exchange.archive import (
    ArchiveError,
    ArchiveFile,
    ArchiveMissing,
    ArchiveRows,
    ArchiveSource,
    ArchiveUnreachable,
)
from shared.fetch.archive_prefetch import PrefetchLease, SeriesPrefetch
from shared.fetch.archive_writes import PartitionWrites
from shared.fetch.progress import FetchTally
from shared.intervals import Interval
from shared.series import SeriesKey
from shared.store import CandleStore

log = logging.getLogger(__name__)


class ArchiveFiller:
    def __init__(
        self,
        sources: Mapping[str, ArchiveSource],
        *,
        concurrency: int = 4,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sources = dict(sources)
        self._concurrency = concurrency
        self._clock = clock
        self._prefetches: dict[SeriesKey, SeriesPrefetch] = {}

    def source_for(self, series: SeriesKey) -> ArchiveSource | None:
        source = self.sources.get(series.exchange)
        return source if source is not None and source.supports(series.symbol, series.timeframe) else None

    def _plan(self, source: ArchiveSource, series: SeriesKey, missing: list[Interval]) -> list[ArchiveFile]:
        return source.plan(series.symbol, series.timeframe, missing, int(self._clock() * 1000))

    def prefetch(self, series: SeriesKey, missing: list[Interval]) -> PrefetchLease | None:
        """Start downloading the files ``fill`` will plan for ``missing`` (nothing is stored); ``None``
        when there are none. Release the lease when the request ends: the last one cancels."""
        source = self.source_for(series)
        files = self._plan(source, series, missing) if source is not None and missing else []
        if source is None or not files:
            return None
        prefetch = self._prefetches.get(series)
        if prefetch is None:
            prefetch = SeriesPrefetch(source, series.symbol, series.timeframe, self._concurrency)
            self._prefetches[series] = prefetch
        prefetch.leases += 1
        prefetch.add(files)

        def release() -> None:
            prefetch.leases -= 1
            if prefetch.leases <= 0:
                prefetch.cancel()
                if self._prefetches.get(series) is prefetch:
                    del self._prefetches[series]

        return PrefetchLease(release)

    async def fill(
        self, store: CandleStore, series: SeriesKey, missing: list[Interval], tally: FetchTally
    ) -> int:
        """Store what the archive has for ``missing`` (returns the files stored); REST does the rest."""
        source = self.source_for(series)
        if source is None or tally.archive_unreachable or not missing:
            return 0
        planned = self._plan(source, series, missing)
        prefetch = self._prefetches.get(series)
        claimed = prefetch.claim(planned, (missing[0][0], missing[-1][1])) if prefetch else {}
        queue = deque(planned)
        writes = PartitionWrites(store, series, tally)
        for file in planned:
            writes.expect(file)
        before = tally.archive_files

        async def rows_of(file: ArchiveFile) -> ArchiveRows:
            task = claimed.pop(file, None)
            if task is None:
                return await source.fetch(file, series.symbol, series.timeframe)
            try:
                return await task
            finally:
                assert prefetch is not None
                prefetch.done(file)

        async def worker() -> None:
            while queue and not tally.archive_unreachable:
                file = queue.popleft()
                try:
                    rows = await rows_of(file)
                except ArchiveUnreachable as exc:
                    if not tally.archive_unreachable:
                        tally.archive_unreachable = True
                        log.warning("%s: %s; REST fetches the whole range instead", series, exc.reason)
                    return
                except ArchiveMissing:
                    if file.monthly:
                        days = source.days_of(file, series.symbol, series.timeframe)
                        for day in days:
                            writes.expect(day)
                        queue.extendleft(reversed(days))
                    else:
                        log.info(
                            "%s: archive file %s is not published yet; REST fills its day", series, file.name
                        )
                    await writes.settle(file, None)
                    continue
                except ArchiveError as exc:
                    log.warning("%s: archive file rejected: %s; REST fills its span", series, exc)
                    await writes.settle(file, None)
                    continue
                await writes.settle(file, rows)

        workers = [asyncio.ensure_future(worker()) for _ in range(self._concurrency)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)  # (their started writes go on)
            with contextlib.suppress(Exception):  # what arrived is kept; the first error is raised
                await writes.flush()
            raise
        else:
            await writes.flush()  # partitions left incomplete by an unreachable host
        finally:
            for file, download in claimed.items():  # taken from the prefetch but never used
                assert prefetch is not None
                prefetch.discard(file, download)
        return tally.archive_files - before

    async def close(self) -> None:
        for prefetch in list(self._prefetches.values()):
            await prefetch.aclose()
        self._prefetches.clear()
        for source in self.sources.values():
            await source.close()
