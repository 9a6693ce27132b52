"""CandleService: every candle the exchange has for a range, exactly once, downloading only what is missing.

Reads top to bottom:

1. ``open()`` validates the request (cheap checks first: range, size, exchange on the allow-list),
   clips the end to the last closed candle, asks the store what is missing and plans the fewest
   exchange requests for it. No exchange is contacted when nothing is missing.
2. ``CandleStream.batches()`` (``stream.py``) walks the range in time order: stored stretches come
   straight from the store; each missing stretch is downloaded in one go in the background and
   streamed from the store chunk by chunk as each chunk is stored (memory stays bounded).
3. ``fill()`` (downloading through ``span_fetch.py``) is single-flight per series in this process:
   under the series' lock (held to decide, never to download) it re-reads what is still missing and
   leaves what another fill is downloading to it (``flights.py``), so two overlapping requests
   download each span once. Across instances each span is claimed in storage first (``claims``).
4. ``sync()`` brings one watched target up to date from the end of its coverage (or a backfill start).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from shared.errors import InvalidRequestError, RangeTooLargeError
from shared.exchange.client import closed_boundary
from shared.exchange.registry import ExchangeRegistry
from shared.fetch.archive_fill import ArchiveFiller
from shared.fetch.archive_prefetch import PrefetchLease
from shared.fetch.claims import SpanClaims
from shared.fetch.flights import SeriesLocks
from shared.fetch.gap_fill import GapFiller
from shared.fetch.planning import plan_fetch
from shared.fetch.progress import FetchTally
from shared.fetch.stream import CandleStream
from shared.intervals import align
from shared.series import SeriesKey
from shared.store import CandleStore, SeriesInfo
from shared.timeframes import candle_count, floor_to

log = logging.getLogger(__name__)
DAY_MS = 86_400_000


def _release_soon(loop: asyncio.AbstractEventLoop, lease: PrefetchLease) -> None:
    if not loop.is_closed():
        loop.call_soon_threadsafe(lease.release)  # cancels tasks: only on their loop's thread


@dataclass(frozen=True, slots=True)
class SyncResult:
    series: SeriesKey
    candles_added: int
    requests: int
    partition_writes: int
    start: int
    end: int


class CandleService:
    def __init__(
        self,
        store: CandleStore,
        exchanges: ExchangeRegistry,
        *,
        max_request_candles: int = 1_000_000,
        closed_margin_seconds: float = 5.0,
        backfill_days: int = 30,
        windows_per_chunk: int = 60,
        clock: Callable[[], float] = time.time,
        archives: ArchiveFiller | None = None,
        claims: SpanClaims | None = None,
    ) -> None:
        self.claims = claims  # None: one instance only (tests, the CLI); no claim objects
        self.store = store
        self.exchanges = exchanges
        self._max_candles = max_request_candles
        self._margin_s = closed_margin_seconds
        self._backfill_days = backfill_days
        self.windows_per_chunk = windows_per_chunk
        self.archives = archives
        self._clock = clock
        self._locks = SeriesLocks()
        self.filler = GapFiller(store, self._locks, self.closed_end, claims)  # downloads the gaps

    # -- the historical fetch ------------------------------------------------------------------
    async def open(self, series: SeriesKey, start: int, end: int) -> CandleStream:
        self.check_request(series, start, end)
        return await self._open(series, start, end)

    def check_request(self, series: SeriesKey, start: int, end: int) -> int:
        """The checks that need no I/O (range, size, exchange enabled); returns the candle slots."""
        if start >= end:
            raise InvalidRequestError(f"start ({start}) must be before end ({end})")
        candles = candle_count(start, end, series.tf_ms)
        if candles > self._max_candles:
            raise RangeTooLargeError(
                f"the range holds {candles:,} {series.timeframe} candles; "
                f"at most {self._max_candles:,} are served per request: split the range"
            )
        self.exchanges.require_enabled(series.exchange)
        return candles

    async def _open(self, series: SeriesKey, start: int, end: int) -> CandleStream:
        # callers checked the exchange (``check_request`` or ``sync``): not again here
        served_end = max(start, min(end, self.closed_end(series)))
        missing = align(await self.store.missing(series, start, served_end), series.tf_ms)
        plugin, limit, lease = None, 1, None
        if missing:
            # archive files download while ccxt loads and the market is checked; nothing is stored
            # before the checks pass (``archive_prefetch.py``)
            lease = self.archives.prefetch(series, missing) if self.archives is not None else None
            try:
                plugin = self.exchanges.get(series.exchange)
                await plugin.ensure_timeframe(series.timeframe)
                await plugin.ensure_market(series.symbol)
                limit = await plugin.page_limit()
            except BaseException:
                if lease is not None:
                    lease.release()
                raise
        plan = plan_fetch(missing, series.tf_ms, limit)
        stream = CandleStream(self, series, start, served_end, plan, plugin, limit)
        if lease is not None:  # what the request did not use is cancelled once it is done with
            stream.lease = lease  # released when the stream is read or closed
            loop = asyncio.get_running_loop()  # a stream dropped unread: by the collector, any thread
            weakref.finalize(stream, _release_soon, loop, lease).atexit = False
        return stream

    def closed_end(self, series: SeriesKey) -> int:
        return closed_boundary(self._clock(), self._margin_s, series.tf_ms)

    async def fill_from_archive(
        self, series: SeriesKey, span: tuple[int, int], limit: int, tally: FetchTally
    ) -> list[tuple[int, int]]:
        """The archive pass (``archive_fill.py``) over what is still missing of ``span``; returns the
        spans left for REST, re-planned so the REST windows are again the fewest."""
        if self.archives is None or self.archives.source_for(series) is None:
            return [span]
        async with self._locks.of(series):
            still = align(await self.store.missing(series, *span), series.tf_ms)
            stored = await self.archives.fill(self.store, series, still, tally)
            if not stored:
                return [span]
            return plan_fetch(
                align(await self.store.missing(series, *span), series.tf_ms), series.tf_ms, limit
            ).spans

    # -- what is stored ------------------------------------------------------------------------
    async def latest_timestamp(self, series: SeriesKey) -> int | None:
        self.exchanges.require_enabled(series.exchange)
        return await self.store.latest_timestamp(series)

    async def catalog(self) -> list[SeriesInfo]:
        return await self.store.catalog()

    async def prune(self, series: SeriesKey, before_ms: int) -> int:
        """Delete the candles (and coverage) opening before ``before_ms``: a target's retention."""
        from shared.store.removal import delete_candles

        return (await delete_candles(self.store, series, None, before_ms)).candles_deleted

    # -- the sync of one watched target --------------------------------------------------------
    async def sync(self, series: SeriesKey) -> SyncResult:
        self.exchanges.require_enabled(series.exchange)
        end = self.closed_end(series)
        start = await self.store.coverage_end(series)
        if start is None:
            start = floor_to(int(self._clock() * 1000) - self._backfill_days * DAY_MS, series.tf_ms)
        if start >= end:
            return SyncResult(series, 0, 0, 0, start, start)
        stream = await self._open(series, start, end)  # no size cap: a backfill is not a client request
        tally = stream.tally
        plugin = stream.plugin
        try:
            for span in stream.plan.spans:
                assert plugin is not None  # something is missing: _open made the exchange client
                for rest in await self.fill_from_archive(series, span, stream.limit, tally):
                    await self.filler.fill(series, rest, plugin, stream.limit, tally)
        finally:
            stream.close()
        done = (tally.candles, tally.requests, tally.writes)
        log.info("synced %s: %d candles, %d requests, %d writes", series, *done)
        return SyncResult(series, *done, start, stream.end)
