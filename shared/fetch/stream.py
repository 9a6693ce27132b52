"""CandleStream: one opened request -- the served range, the plan, and the batches in time order.

Stored stretches come straight from the store. Each missing stretch is downloaded in one go in the
background (``_Filling``: one pipelined download, each storage partition written about once, behind
the download) and streamed from the store chunk by chunk (whole windows up to the end of a
partition) as soon as each chunk is stored, so the exchange is asked without pauses and memory stays
bounded however long the range is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from functools import partial
from typing import TYPE_CHECKING

import pyarrow as pa

from shared.exchange.client import ExchangeClient
from shared.fetch.archive_prefetch import PrefetchLease
from shared.fetch.flights import Flight
from shared.fetch.planning import FetchPlan, split_span
from shared.fetch.progress import FetchTally, ProgressCallback, report
from shared.series import SeriesKey
from shared.store.layout import partition_bounds
from shared.timeframes import candle_count

if TYPE_CHECKING:
    from shared.fetch.service import CandleService

log = logging.getLogger(__name__)


def _partition_end(ts: int, *, tf_ms: int) -> int:
    return partition_bounds(ts, tf_ms)[1]


class CandleStream:
    """One opened request: the served range, the plan, and the batches in timestamp order."""

    def __init__(
        self,
        service: CandleService,
        series: SeriesKey,
        start: int,
        end: int,
        plan: FetchPlan,
        plugin: ExchangeClient | None,
        limit: int,
    ) -> None:
        self.service, self.series, self.start, self.end = service, series, start, end
        self.plan, self.plugin, self.limit = plan, plugin, limit
        self.tally = FetchTally(None, plan, candle_count(start, end, series.tf_ms), series.tf_ms)
        self.lease: PrefetchLease | None = None  # this request's share of an archive prefetch

    def close(self) -> None:
        """Done with the request: what it prefetched and did not use is let go (idempotent)."""
        lease, self.lease = self.lease, None
        if lease is not None:
            lease.release()

    @property
    def requests_made(self) -> int:
        return self.tally.requests

    async def batches(self, progress: ProgressCallback | None = None) -> AsyncGenerator[pa.Table, None]:
        store, series, tally = self.service.store, self.series, self.tally
        windows_per_chunk = self.service.windows_per_chunk
        tally.callback = progress
        try:
            if self.plan.spans:
                await report(progress, tally.progress())
            cursor = self.start
            edge = partial(_partition_end, tf_ms=series.tf_ms)
            for span in self.plan.spans:
                plugin = self.plugin
                assert plugin is not None
                for rest in await self.service.fill_from_archive(series, span, self.limit, tally):
                    # one download for the whole span, in the background; its chunks stream as stored
                    async with _Filling(self.service, series, rest, plugin, self.limit, tally) as filling:
                        for chunk in split_span(rest, series.tf_ms, self.limit, windows_per_chunk, edge):
                            if cursor < chunk[0]:
                                async for batch in store.read(series, cursor, chunk[0]):
                                    yield batch
                            await filling.stored_through(chunk[1])
                            async for batch in store.read(series, *chunk):
                                yield batch
                            cursor = chunk[1]
            if cursor < self.end:
                async for batch in store.read(series, cursor, self.end):
                    yield batch
        finally:
            self.close()  # what this request prefetched and did not use is let go


class _Filling:
    """``GapFiller.fill`` of one span as a background task, so the exchange is asked without a
    pause between chunks (and while the reader reads); ``stored_through(t)`` waits until everything
    of the span before ``t`` is stored, and raises the fill's error if it failed first. Leaving the
    block waits for the fill to end (after an error or an early stop of the reader: cancels it)."""

    def __init__(
        self,
        service: CandleService,
        series: SeriesKey,
        span: tuple[int, int],
        plugin: ExchangeClient,
        limit: int,
        tally: FetchTally,
    ) -> None:
        self._progress = Flight(span)  # how far the fill has stored, and whether it has ended
        filling = service.filler.fill(series, span, plugin, limit, tally, self._progress.stored)
        self._task = asyncio.ensure_future(filling)
        self._task.add_done_callback(lambda _: self._progress.end())
        self._series = series

    async def stored_through(self, t: int) -> None:
        if not await self._progress.reach(t):
            self._task.result()  # the fill's error, if it failed; else whatever it could store is stored

    async def __aenter__(self) -> _Filling:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            if exc[0] is None:
                raise
        except BaseException:
            if exc[0] is None:
                raise
            # the reader is gone (its own error propagates); the fill's failure is not lost
            log.warning("%s: the download behind a stopped reader failed too", self._series, exc_info=True)
