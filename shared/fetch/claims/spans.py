"""One fetch per span across instances: a claim in storage before an exchange is asked for a span.

Instances that scale out share the store but not memory, so the per-series lock of ``CandleService``
cannot stop two of them downloading the same candles. Before fetching, an instance claims the span's
*cells* -- fixed blocks of ``CELL_PAGES`` exchange pages on a grid from the epoch, so overlapping
requests with different bounds meet on the same claim keys -- by creating a small claim object with
``if_none_match`` (one winner, on every backend). The claim holds its owner and an expiry; the holder
renews it while it fetches and deletes it when done (whether the fetch worked or not).

The holder fetches the missing part of its span in the cell *widened to whole pages*: backward to the
page grid only where older candles are stored (so no history probe is needed), forward to fill the
last page of its last missing stretch, counted from where that stretch starts (its windows are laid
from there), up to ``not_after`` (the last closed candle) and the cell's end. A page request costs
the same however much of the page it asks for, so this asks no more requests than the part needs,
and requests with different bounds tend to meet on the same pages instead of each asking its own.

An instance that finds a cell claimed waits for the candles to be stored instead: it polls the
store's coverage with the one backoff helper (``shared.backoff``) and is done when nothing of its
part is missing. When the claim is gone (released after a failure) it claims the cell and fetches
what is still missing itself; when it has expired (the holder crashed) it takes it over with
``if_match`` on the expired claim's ETag, so of several waiters only one wins (``objects.py``).

Cells are claimed ``GROUP_CELLS`` at a time (a few claim writes in flight at once), ahead of the
download: each run of consecutive cells claimed here is fetched with one call (one continuous,
pipelined download, each partition written about once) instead of one call per cell, and each cell
held elsewhere is waited for in its place, so everything is stored in time order.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shared.backoff import RetryPolicy, Sleep, on, retrying
from shared.fetch.claims.cells import Cell, Reach, cells_of, last_page_settled
from shared.fetch.claims.objects import Claim, ClaimObjects
from shared.intervals import Interval, align
from shared.series import SeriesKey
from shared.settings import DEFAULT_FETCH_CLAIM_TTL_SECONDS
from shared.store import CandleStore

log = logging.getLogger(__name__)
# claimed together ahead of the download (640 pages, ~13 s at Binance's pace): an instance waiting for
# a cell claimed here waits at most about that long for it
GROUP_CELLS = 64
# a crashed holder's claim is taken over after this; renewed every third of it (FETCH_CLAIM_TTL_SECONDS)
TTL_SECONDS = DEFAULT_FETCH_CLAIM_TTL_SECONDS


def wait_policy(ttl_seconds: float) -> RetryPolicy:
    """Waiting for another instance: short polls first, then every 0.25-0.5 s (0.375 s on average),
    as many as outlive a claim of ``ttl_seconds`` on average (at least 160: 170 for the default)."""
    mean_poll_s = 0.5 * (1 + 0.5) / 2
    attempts = max(160, math.ceil(ttl_seconds / mean_poll_s) + 10)  # +10: the short first polls
    return RetryPolicy(max_attempts=attempts, base_delay_s=0.05, max_delay_s=0.5, min_jitter=0.5)


WAIT = wait_policy(TTL_SECONDS)

FetchSpan = Callable[[Interval], Awaitable[None]]


class SpanClaimed(Exception):
    """Another live instance holds the claim and the span is still missing: wait and look again."""


class SpanClaims:
    def __init__(
        self,
        store: CandleStore,
        *,
        owner: str | None = None,
        ttl_seconds: float = TTL_SECONDS,
        wait: RetryPolicy | None = None,  # default: ``wait_policy(ttl_seconds)``
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._store, self._sleep = store, sleep
        self.owner = owner or uuid.uuid4().hex
        self._objects = ClaimObjects(store.backend, self.owner, ttl_seconds, clock)
        self._wait = wait or wait_policy(ttl_seconds)
        self.key_for = self._objects.key_for

    async def fetch_once(
        self,
        series: SeriesKey,
        span: Interval,
        limit: int,
        fetch: FetchSpan,
        *,
        not_after: int,
        history_from: int | None = None,
    ) -> None:
        """Have ``span`` fetched exactly once among the instances: by ``fetch`` here (for each missing
        part, under a claim), or by whoever holds the claim (then wait until it is stored).
        ``not_after``: the end of the closed candles; ``history_from``: the oldest stored candle."""
        page = max(1, limit) * series.tf_ms
        cells = cells_of(span, page, history_from, lambda cell_start: self.key_for(series, cell_start))
        reach = Reach(page, not_after)
        carry: _Carry | None = None
        for i in range(0, len(cells), GROUP_CELLS):
            group, more = cells[i : i + GROUP_CELLS], i + GROUP_CELLS < len(cells)
            carry = await self._fetch_group(series, group, reach, fetch, carry, more)

    async def _fetch_group(
        self,
        series: SeriesKey,
        cells: list[Cell],
        reach: Reach,
        fetch: FetchSpan,
        carry: _Carry | None,
        more: bool,
    ) -> _Carry | None:
        """Claim the group's missing cells at once; fetch each run of consecutive cells claimed here
        with one ``fetch`` call (one continuous, pipelined download instead of one per cell), and wait
        for (or fetch) each cell another instance holds, all in time order. When ``more`` groups
        follow, a run reaching the group's end stops at its last whole page and hands the rest on,
        with its cell's claim (returned): the next group's run starts there, so windows stay on one
        grid across groups (a series' first fetch, whose windows start off the page grid, stays at
        the minimum)."""
        missing = align(await self._store.missing(series, cells[0].part[0], cells[-1].part[1]), series.tf_ms)
        todo = [c for c in cells if any(a < c.part[1] and c.part[0] < b for a, b in missing)]
        held = await self._objects.take_all([c.key for c in todo])
        kept: dict[str, Claim] = dict(carry.claims) if carry is not None else {}
        held.update(kept)  # renewed and released with this group's
        handed_on: _Carry | None = None
        async with self._objects.holding(held):
            if carry is not None and not (todo and todo[0].key in held and todo[0].part[0] == carry.span[1]):
                for gap in align(await self._store.missing(series, *carry.span), series.tf_ms):
                    await fetch(gap)  # the next run does not start where it ended: on its own
                await self._objects.release_some(held, list(kept))
                carry = None
            i = 0
            while i < len(todo):
                if todo[i].key not in held:
                    await self._one_cell(series, todo[i], reach, fetch)
                    i += 1
                    continue
                j = i + 1  # todo[i:j]: consecutive cells, all claimed here
                while j < len(todo) and todo[j].key in held and todo[j - 1].part[1] == todo[j].part[0]:
                    j += 1
                lo = carry.span[0] if carry is not None and i == 0 else todo[i].lo
                run = Cell("", (todo[i].part[0], todo[j - 1].part[1]), lo, todo[j - 1].end)
                hand_on = more and j == len(todo) and todo[j - 1].part[1] == cells[-1].part[1]
                gaps, rest = await self._gaps(series, run, reach, hand_on)
                for gap in gaps:
                    await fetch(gap)
                done = [c.key for c in todo[i:j]] + (list(kept) if i == 0 else [])
                if rest is not None:  # its cell stays claimed until the next group has fetched it
                    last = todo[j - 1].key
                    handed_on = _Carry(rest, {last: held.pop(last)})
                    done.remove(last)
                await self._objects.release_some(held, done)
                i = j
        return handed_on

    async def _gaps(
        self, series: SeriesKey, cells: Cell, reach: Reach, hand_on: bool
    ) -> tuple[list[Interval], Interval | None]:
        """What to fetch of ``cells``: the missing spans of ``[lo, part end)``, the last one widened
        forward to whole pages counted from its own start (its windows are laid from there, so this
        never adds a request), up to the last cell's end and the last closed candle; with
        ``hand_on``, cut back to its last whole page instead, the rest returned apart."""
        gaps = align(await self._store.missing(series, cells.lo, cells.part[1]), series.tf_ms)
        return last_page_settled(gaps, cells.end, reach, hand_on)

    async def _one_cell(self, series: SeriesKey, cell: Cell, reach: Reach, fetch: FetchSpan) -> None:
        try:
            async for attempt in retrying(self._wait, on(SpanClaimed), sleep=self._sleep):
                with attempt:
                    if not align(await self._store.missing(series, *cell.part), series.tf_ms):
                        return  # stored meanwhile (by the holder of the claim, or earlier)
                    async with self._held(cell.key) as held:
                        if not held:
                            raise SpanClaimed(cell.key)
                        gaps, _ = await self._gaps(series, cell, reach, hand_on=False)
                        for gap in gaps:
                            await fetch(gap)
                    return
        except SpanClaimed:
            # the holder is alive (it keeps renewing) but slow: better twice than never
            log.warning("%s: %s stayed claimed by another instance; fetching it here too", series, cell.key)
            for gap in align(await self._store.missing(series, *cell.part), series.tf_ms):
                await fetch(gap)

    # -- the claim objects (objects.py) ------------------------------------------------------------
    async def take(self, key: str) -> Claim | None:
        return await self._objects.take(key)

    async def release(self, claim: Claim) -> None:
        await self._objects.release(claim)

    @asynccontextmanager
    async def _held(self, key: str) -> AsyncIterator[bool]:
        claim = await self._objects.take(key)
        if claim is None:
            yield False
            return
        async with self._objects.holding({key: claim}):
            yield True


@dataclass(frozen=True, slots=True)
class _Carry:
    span: Interval  # the rest of a run cut at its last whole page, fetched by the next group's run
    claims: dict[str, Claim]  # the claim of the cell it lies in, kept until then
