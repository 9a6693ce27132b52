"""One fetch per span across instances: a claim in storage before an exchange is asked for a span.

Instances that scale out share the store but not memory, so the per-series lock of ``CandleService``
cannot stop two of them downloading the same candles. Before fetching, an instance claims the span's
*cells* -- fixed blocks of ``CELL_PAGES`` exchange pages on a grid from the epoch, so overlapping
requests with different bounds meet on the same claim keys -- by creating a small claim object with
``if_none_match`` (one winner, on every backend). The claim holds its owner and an expiry; the holder
renews it while it fetches and deletes it when done (whether the fetch worked or not).

The holder fetches the missing part of its span in the cell *widened to whole pages*: backward to the
page grid only where older candles are stored (so no history probe is needed), forward to fill its
last page (up to ``not_after``, the last closed candle, and the cell's end). A page request costs the
same however much of the page it asks for, so this asks no more requests than the part needs, and
requests with different bounds meet on the same grid pages instead of each asking for its own.

An instance that finds a cell claimed waits for the candles to be stored instead: it polls the
store's coverage with the one backoff helper (``shared.backoff``) and is done when nothing of its
part is missing. When the claim is gone (released after a failure) it claims the cell and fetches
what is still missing itself; when it has expired (the holder crashed) it takes it over with
``if_match`` on the expired claim's ETag, so of several waiters only one wins. Claims live under
``claims/`` and are never read by anything else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shared.backoff import RetryPolicy, Sleep, on, retrying
from shared.errors import ConflictError, StorageError
from shared.intervals import Interval, align
from shared.series import SeriesKey
from shared.settings import DEFAULT_FETCH_CLAIM_TTL_SECONDS
from shared.store import CandleStore, layout

log = logging.getLogger(__name__)
ROOT = "claims/"
CELL_PAGES = 10  # one claim covers this many exchange pages
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


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    etag: str


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
        self._store, self._backend = store, store.backend
        self.owner = owner or uuid.uuid4().hex
        self._ttl, self._clock, self._sleep = ttl_seconds, clock, sleep
        self._wait = wait or wait_policy(ttl_seconds)

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
        cell = page * CELL_PAGES
        for cell_start in range(span[0] - span[0] % cell, span[1], cell):
            part = (max(span[0], cell_start), min(span[1], cell_start + cell))
            lo = part[0] - part[0] % page
            lo = lo if history_from is not None and history_from <= lo else part[0]
            whole_pages = lo + -(-(part[1] - lo) // page) * page  # as many requests as the part needs
            hi = max(part[1], min(whole_pages, cell_start + cell, not_after))
            await self._one_cell(series, self.key_for(series, cell_start), part, (lo, hi), fetch)

    async def _one_cell(
        self, series: SeriesKey, key: str, part: Interval, widened: Interval, fetch: FetchSpan
    ) -> None:
        try:
            async for attempt in retrying(self._wait, on(SpanClaimed), sleep=self._sleep):
                with attempt:
                    if not align(await self._store.missing(series, *part), series.tf_ms):
                        return  # stored meanwhile (by the holder of the claim, or earlier)
                    async with self._held(key) as held:
                        if not held:
                            raise SpanClaimed(key)
                        for gap in align(await self._store.missing(series, *widened), series.tf_ms):
                            await fetch(gap)
                    return
        except SpanClaimed:
            # the holder is alive (it keeps renewing) but slow: better twice than never
            log.warning("%s: %s stayed claimed by another instance; fetching it here too", series, key)
            for gap in align(await self._store.missing(series, *part), series.tf_ms):
                await fetch(gap)

    # -- the claim object ------------------------------------------------------------------------
    def key_for(self, series: SeriesKey, cell_start: int) -> str:
        """The claim object of the cell starting at ``cell_start``."""
        return f"{ROOT}{layout.series_prefix(series)}{cell_start}.json"

    def _body(self) -> bytes:
        return json.dumps({"owner": self.owner, "expires": self._clock() + self._ttl}).encode()

    async def take(self, key: str) -> Claim | None:
        """The claim on ``key``, or ``None`` while another instance holds an unexpired one."""
        try:
            return Claim(key, await self._backend.write(key, self._body(), if_none_match=True))
        except ConflictError:
            pass
        current = await self._backend.read(key)
        if current is None:  # released between our write and our read: try once more
            try:
                return Claim(key, await self._backend.write(key, self._body(), if_none_match=True))
            except ConflictError:
                return None
        if self._clock() < _expiry(current.data):
            return None
        try:  # expired: take it over, only if nobody else did first
            claim = Claim(key, await self._backend.write(key, self._body(), if_match=current.etag))
        except ConflictError:
            return None
        log.warning("took over the expired claim %s", key)
        return claim

    async def release(self, claim: Claim) -> None:
        try:
            await self._backend.delete(claim.key, if_match=claim.etag)
        except ConflictError:
            pass  # taken over after it expired: the new holder's now
        except StorageError as exc:
            log.warning("could not release claim %s (%s); it expires by itself", claim.key, exc.code)

    @asynccontextmanager
    async def _held(self, key: str) -> AsyncIterator[bool]:
        claim = await self.take(key)
        if claim is None:
            yield False
            return
        renewing = asyncio.create_task(self._renew(claim))
        try:
            yield True
        finally:
            renewing.cancel()
            latest = await asyncio.gather(renewing, return_exceptions=True)
            current = latest[0] if isinstance(latest[0], Claim) else claim
            await self.release(current)

    async def _renew(self, claim: Claim) -> Claim:
        try:
            while True:
                await asyncio.sleep(self._ttl / 3)
                claim = Claim(
                    claim.key, await self._backend.write(claim.key, self._body(), if_match=claim.etag)
                )
        except asyncio.CancelledError:
            return claim
        except StorageError as exc:  # lost it (taken over) or storage trouble: the fetch goes on
            log.warning("could not renew claim %s (%s)", claim.key, exc.code)
            return claim


def _expiry(data: bytes) -> float:
    try:
        return float(json.loads(data)["expires"])
    except (ValueError, KeyError, TypeError):
        return 0.0  # unreadable: treat as expired
