"""Filling the gaps of a span from the exchange: what is still missing, downloaded once per process.

``GapFiller.fill`` decides under the series' lock (``flights.py``) what it downloads itself and what
another fill of this process is downloading already, then downloads its parts page by page
(``span_fetch.py``) -- under claims across instances when given (``claims/``) -- and waits for the
others. ``on_stored(end)`` reports, in time order, that everything of the span before ``end`` is
stored (the stream reads each chunk once it is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.exchange.client import ExchangeClient
from shared.fetch.claims import SpanClaims
from shared.fetch.flights import Flight, Flights, SeriesLocks
from shared.fetch.page_writer import StoredUpTo
from shared.fetch.planning import plan_fetch
from shared.fetch.progress import FetchTally
from shared.fetch.span_fetch import download_span
from shared.intervals import align
from shared.series import SeriesKey
from shared.store import CandleStore


@dataclass(slots=True)
class _History:
    first: int | None  # the oldest stored candle of the series, once known (no history probe after)


class GapFiller:
    def __init__(
        self,
        store: CandleStore,
        locks: SeriesLocks,
        closed_end: Callable[[SeriesKey], int],
        claims: SpanClaims | None = None,
    ) -> None:
        self.store, self.claims = store, claims
        self._locks, self._closed_end = locks, closed_end
        self._flights = Flights()  # downloads in flight in this process, shared by overlapping fills

    async def fill(
        self,
        series: SeriesKey,
        span: tuple[int, int],
        plugin: ExchangeClient,
        limit: int,
        tally: FetchTally,
        on_stored: StoredUpTo | None = None,
    ) -> None:
        """Download what is still missing of ``span``; ``on_stored(end)``: everything of ``span``
        before ``end`` is stored (told as partitions are written, in time order). What another
        fill of this process is downloading already is waited for, not downloaded (``flights.py``)."""
        told = on_stored or (lambda end: None)
        async with self._locks.of(series):  # only to decide: no download happens under it
            still = align(await self.store.missing(series, *span), series.tf_ms)
            first = await self.store.first_timestamp(series) if still else None
            parts = [
                (gaps, theirs, theirs or self._flights.take_off(series, (gaps[0][0], gaps[-1][1])))
                for gaps, theirs in self._flights.plan(series, still)
            ]
        history = _History(first)
        try:
            for gaps, theirs, flight in parts:
                end = gaps[-1][1]
                if theirs is None:
                    for fetch_span in plan_fetch(gaps, series.tf_ms, limit).spans:
                        await self._download(series, fetch_span, plugin, limit, tally, history, flight, told)
                    flight.stored(end)
                elif not await theirs.reach(end):  # it ended short: the rest is a gap like any other
                    await self.fill(series, (gaps[0][0], end), plugin, limit, tally, told)
                told(end)
        finally:
            for _, theirs, flight in parts:
                if theirs is None:
                    self._flights.land(series, flight)

    async def _download(
        self,
        series: SeriesKey,
        fetch_span: tuple[int, int],
        plugin: ExchangeClient,
        limit: int,
        tally: FetchTally,
        history: _History,
        flight: Flight,
        told: StoredUpTo,
    ) -> None:
        def stored(end: int) -> None:
            flight.stored(end)
            told(end)

        async def fetch(part: tuple[int, int]) -> None:
            first = history.first
            history.first = await download_span(self.store, series, part, plugin, tally, first, stored)

        if self.claims is None:
            await fetch(fetch_span)
        else:  # across instances: fetched here under a claim, or waited for
            not_after = self._closed_end(series)
            await self.claims.fetch_once(
                series, fetch_span, limit, fetch, not_after=not_after, history_from=history.first
            )
