"""CandleStream: one opened request -- the served range, the plan, and the batches in time order.

Stored stretches come straight from the store; each missing stretch is filled chunk by chunk (whole
windows up to the end of a storage partition, so each partition is written about once), stored, then
streamed from the store, so memory stays bounded however long the range is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING

import pyarrow as pa

from shared.exchange.client import ExchangeClient
from shared.fetch.planning import FetchPlan, split_span
from shared.fetch.progress import FetchTally, ProgressCallback, report
from shared.series import SeriesKey
from shared.store.layout import partition_bounds
from shared.timeframes import candle_count

if TYPE_CHECKING:
    from shared.fetch.service import CandleService


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

    @property
    def requests_made(self) -> int:
        return self.tally.requests

    async def batches(self, progress: ProgressCallback | None = None) -> AsyncIterator[pa.Table]:
        store, series, tally = self.service.store, self.series, self.tally
        windows_per_chunk = self.service.windows_per_chunk
        tally.callback = progress
        if self.plan.spans:
            await report(progress, tally.progress())
        cursor = self.start
        for span in self.plan.spans:
            assert self.plugin is not None
            edge = partial(_partition_end, tf_ms=series.tf_ms)
            for rest in await self.service.fill_from_archive(series, span, self.limit, tally):
                for chunk in split_span(rest, series.tf_ms, self.limit, windows_per_chunk, edge):
                    if cursor < chunk[0]:
                        async for batch in store.read(series, cursor, chunk[0]):
                            yield batch
                    await self.service.fill(series, chunk, self.plugin, self.limit, tally)
                    async for batch in store.read(series, *chunk):
                        yield batch
                    cursor = chunk[1]
        if cursor < self.end:
            async for batch in store.read(series, cursor, self.end):
                yield batch
