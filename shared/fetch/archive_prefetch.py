"""Archive files downloaded ahead of the archive pass, while the request's exchange checks still run.

``CandleService._open`` knows the missing spans before it has imported ccxt and loaded the markets
(about a second, cold). ``ArchiveFiller.prefetch`` starts a ``SeriesPrefetch`` then: it downloads,
verifies and parses the files the archive pass will plan, oldest first, into memory -- never into the
store, which only the pass itself writes once the checks have passed. Memory stays bounded however
long the range is: at most ``concurrency`` files download at once, and the files started and not yet
taken hold at most ``concurrency`` months of days (the rows of ``concurrency`` monthly files; a bound
in files would stop at four daily files, a few percent of what the wait for the checks allows).

The pass (``ArchiveFiller.fill``, under the series lock, with the missing spans re-read) ``claim``\\ s
the files it plans: started ones it awaits, queued ones it downloads itself; a file it no longer
plans inside its range (stored meanwhile by another request) is dropped. Overlapping requests for
one series share one prefetch through leases; the last lease released cancels what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable

from shared.exchange.archive import ArchiveFile, ArchiveRows, ArchiveSource, ArchiveUnreachable
from shared.exchange.archive.source import DAY_MS
from shared.intervals import Interval

Download = asyncio.Task[ArchiveRows]
MONTH_DAYS = 31


class SeriesPrefetch:
    def __init__(self, source: ArchiveSource, symbol: str, timeframe: str, concurrency: int) -> None:
        self._source, self._symbol, self._timeframe = source, symbol, timeframe
        self._downloading = asyncio.Semaphore(concurrency)
        self._limit_days = concurrency * MONTH_DAYS  # days of rows started and not yet taken
        self._held_days = 0
        self._freed = asyncio.Event()
        self._queue: deque[ArchiveFile] = deque()
        self._started: dict[ArchiveFile, Download] = {}
        self._holding: set[ArchiveFile] = set()  # started files whose days count in ``_held_days``
        self._runner: asyncio.Task[None] | None = None
        self._stopped = False  # the host is unreachable, or the prefetch was cancelled
        self.leases = 0

    def add(self, files: Iterable[ArchiveFile]) -> None:
        """Queue ``files`` (oldest first) that are neither queued nor started yet."""
        known = set(self._queue) | set(self._started)
        self._queue.extend(f for f in files if f not in known)
        if self._queue and not self._stopped and (self._runner is None or self._runner.done()):
            self._runner = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._queue and not self._stopped:
            await self._downloading.acquire()
            try:
                while self._queue and self._held_days and not self._fits(self._queue[0]):
                    self._freed.clear()
                    await self._freed.wait()
            except BaseException:
                self._downloading.release()
                raise
            if not self._queue or self._stopped:
                self._downloading.release()
                return
            file = self._queue.popleft()
            self._holding.add(file)
            self._held_days += _days(file)
            task = self._started[file] = asyncio.ensure_future(self._fetch(file))
            # the slot is freed when the task ends, also one cancelled before it ever ran
            task.add_done_callback(lambda _: self._downloading.release())

    def _fits(self, file: ArchiveFile) -> bool:
        return self._held_days + _days(file) <= self._limit_days

    async def _fetch(self, file: ArchiveFile) -> ArchiveRows:
        try:
            return await self._source.fetch(file, self._symbol, self._timeframe)
        except ArchiveUnreachable:
            self._stopped = True  # one unreachable file says it for all of them
            raise
        except BaseException:
            self.done(file)  # a failed file holds no rows
            raise

    def claim(self, planned: list[ArchiveFile], within: Interval) -> dict[ArchiveFile, Download]:
        """The started downloads of ``planned`` files, handed over (the caller calls ``done`` for
        each once it has used it). Queued ones leave the queue: the caller downloads them itself.
        Files not planned that overlap ``within`` are not wanted any more and are dropped."""
        wanted = set(planned)
        claimed = {f: self._started.pop(f) for f in planned if f in self._started}
        self._queue = deque(f for f in self._queue if f not in wanted and not _overlaps(f, within))
        for file in [f for f in self._started if _overlaps(f, within)]:
            self._drop(file)
        return claimed

    def done(self, file: ArchiveFile) -> None:
        """``file``'s rows are used (or dropped): its days go to the next downloads."""
        if file in self._holding:
            self._holding.discard(file)
            self._held_days -= _days(file)
            self._freed.set()

    def discard(self, file: ArchiveFile, task: asyncio.Task[ArchiveRows]) -> None:
        """A claimed download that will not be used: cancelled, its days freed."""
        if task.done():
            if not task.cancelled():
                task.exception()  # retrieved: a dropped file's failure is nobody's news
        else:
            task.cancel()
        self.done(file)

    def _drop(self, file: ArchiveFile) -> None:
        self.discard(file, self._started.pop(file))

    def cancel(self) -> None:
        self._stopped = True
        self._queue.clear()
        if self._runner is not None:
            self._runner.cancel()
        for file in list(self._started):
            self._drop(file)

    async def aclose(self) -> None:
        """Cancel, and wait for the cancelled downloads to end."""
        tasks = [t for t in [self._runner, *self._started.values()] if t is not None]
        self.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


def _days(file: ArchiveFile) -> int:
    return max(1, -(-(file.end_ms - file.start_ms) // DAY_MS))


def _overlaps(file: ArchiveFile, span: Interval) -> bool:
    return file.start_ms < span[1] and span[0] < file.end_ms


class PrefetchLease:
    """One request's share of a series' prefetch; ``release`` (once) ends it, the last one cancels."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()
