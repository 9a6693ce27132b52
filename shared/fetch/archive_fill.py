"""The archive pass of a fetch: complete past days come from an exchange's bulk archive, if it has one.

For the missing parts of a span that lie in complete, published past days, the source's files (whole
months as monthly files, the other days as daily ones) are downloaded ``concurrency`` at a time,
verified, parsed and stored one file per write, oldest first in the queue. A slot the file has no
valid row for stays missing, so the REST pass that follows asks the exchange about it: only REST can
record a no-trade gap. Whatever goes wrong with a file -- 404 (not published yet), checksum mismatch,
a corrupt zip, a timeout -- leaves its span to REST (a monthly file that is missing is tried as daily
files first); nothing of a failed file is stored. An unreachable archive host ends the pass for the
whole request, logged once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping

from shared.exchange.archive import (
    ArchiveError,
    ArchiveMissing,
    ArchiveSource,
    ArchiveUnreachable,
)
from shared.fetch.progress import FetchTally, report
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

    def source_for(self, series: SeriesKey) -> ArchiveSource | None:
        source = self.sources.get(series.exchange)
        return source if source is not None and source.supports(series.symbol, series.timeframe) else None

    async def fill(
        self, store: CandleStore, series: SeriesKey, missing: list[Interval], tally: FetchTally
    ) -> int:
        """Store what the archive has for ``missing`` (returns the files stored); REST does the rest."""
        source = self.source_for(series)
        if source is None or tally.archive_unreachable or not missing:
            return 0
        queue = deque(source.plan(series.symbol, series.timeframe, missing, int(self._clock() * 1000)))
        writing = asyncio.Lock()  # one partition write at a time: daily files share a partition
        before = tally.archive_files

        async def worker() -> None:
            while queue and not tally.archive_unreachable:
                file = queue.popleft()
                try:
                    rows = await source.fetch(file, series.symbol, series.timeframe)
                except ArchiveUnreachable as exc:
                    if not tally.archive_unreachable:
                        tally.archive_unreachable = True
                        log.warning("%s: %s; REST fetches the whole range instead", series, exc.reason)
                    return
                except ArchiveMissing:
                    if file.monthly:
                        queue.extendleft(reversed(source.days_of(file, series.symbol, series.timeframe)))
                    else:
                        log.info(
                            "%s: archive file %s is not published yet; REST fills its day", series, file.name
                        )
                    continue
                except ArchiveError as exc:
                    log.warning("%s: archive file rejected: %s; REST fills its span", series, exc)
                    continue
                async with writing:
                    span = (rows.start_ms, rows.end_ms)
                    result = await store.write(series, rows.table, span, uncovered=rows.uncovered)
                tally.archive_files += 1
                tally.candles += rows.table.num_rows
                tally.writes += result.partitions_written
                holes = sum(b - a for a, b in rows.uncovered)
                tally.known += (span[1] - span[0] - holes) // series.tf_ms
                await report(tally.callback, tally.progress())

        workers = [asyncio.ensure_future(worker()) for _ in range(self._concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
        return tally.archive_files - before

    async def close(self) -> None:
        for source in self.sources.values():
            await source.close()
