"""The watched targets the timer syncs, persisted as one JSON object in storage.

Every change is a read-modify-write guarded by the object's ETag (``if_match``; ``if_none_match`` when
it is created), retried on ``ConflictError`` after a jittered backoff (``shared.backoff``): concurrent
PUT/DELETE calls, on this instance or another, and the timer recording its run never lose each other's
updates.

The first time the object is touched and does not exist, it is created from the initial list
(``SYNC_TARGETS``). Only then: once the object exists, a removed target stays removed and a changed
``SYNC_TARGETS`` adds nothing (manage targets through ``/api/targets``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from shared.backoff import RetryPolicy, on, retrying
from shared.errors import ConflictError, StorageError
from shared.fetch.service import SyncResult
from shared.series import SeriesKey
from shared.storage.backend import StorageBackend
from shared.sync.state import TargetState, decode, encode

log = logging.getLogger(__name__)
TARGETS_KEY = "targets/targets.json"
R = TypeVar("R")
States = dict[SeriesKey, TargetState]
Outcome = SyncResult | BaseException


class TargetStore:
    def __init__(
        self,
        backend: StorageBackend,
        initial: Iterable[SeriesKey] = (),
        *,
        key: str = TARGETS_KEY,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 12,
        base_delay_s: float = 0.02,
        max_delay_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._backend = backend
        self._initial = tuple(dict.fromkeys(initial))
        self._key = key
        self._clock = clock
        self._max_attempts = max_attempts
        self._policy = RetryPolicy(max_attempts, base_delay_s, max_delay_s, min_jitter=0.0)
        self._sleep = sleep
        self._rng = rng

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    # -- the public operations -----------------------------------------------------------------
    async def list(self) -> list[TargetState]:
        """Every target with its last sync state, in the order they were added (reads only: the
        configured seed is written by the first change, not by a look)."""
        states, _ = await self._read()
        return list(states.values())

    async def get(self, series: SeriesKey) -> TargetState | None:
        return next((s for s in await self.list() if s.series == series), None)

    async def add(self, series: SeriesKey, retention_days: int | None = None) -> bool:
        """``True`` when added, ``False`` when it was already there (its state is kept; its retention
        becomes ``retention_days``: an add is a put)."""

        def change(states: States) -> tuple[bool, bool]:
            current = states.get(series)
            if current is None:
                states[series] = TargetState(series, added_at=self.now_ms(), retention_days=retention_days)
                return True, True
            if current.retention_days != retention_days:
                states[series] = replace(current, retention_days=retention_days)
                return False, True
            return False, False

        return await self._update(change)

    async def remove(self, series: SeriesKey) -> bool:
        """``True`` when removed, ``False`` when it was not there."""

        def change(states: States) -> tuple[bool, bool]:
            found = states.pop(series, None) is not None
            return found, found

        return await self._update(change)

    async def record(self, series: SeriesKey, result_or_error: Outcome) -> None:
        await self.record_many([(series, result_or_error)])

    async def record_many(self, outcomes: Iterable[tuple[SeriesKey, Outcome]]) -> int:
        """Record the last run of many targets in one write; returns how many were recorded.

        A target removed while it was syncing stays removed (its outcome is dropped)."""
        pending = list(outcomes)
        at_ms = self.now_ms()

        def change(states: States) -> tuple[int, bool]:
            recorded = 0
            for series, outcome in pending:
                if series in states:
                    states[series] = states[series].after_run(outcome, at_ms)
                    recorded += 1
            return recorded, recorded > 0

        return await self._update(change) if pending else 0

    # -- read-modify-write ---------------------------------------------------------------------
    async def _read(self) -> tuple[States, str | None]:
        stored = await self._backend.read(self._key)
        if stored is None:
            at_ms = self.now_ms()
            return {s: TargetState(s, added_at=at_ms) for s in self._initial}, None
        return decode(stored.data), stored.etag

    async def _update(self, change: Callable[[States], tuple[R, bool]]) -> R:
        """Apply ``change`` to the current targets and store them when it changed them. Until the
        object exists the configured seed stands in for it; the first change writes it with the seed,
        so the seed is applied only once (a removed seeded target stays removed)."""
        try:
            # full jitter: concurrent writers spread out instead of colliding again in lockstep
            async for attempt in retrying(self._policy, on(ConflictError), sleep=self._sleep, rng=self._rng):
                with attempt:
                    states, etag = await self._read()
                    result, changed = change(states)
                    if not changed:
                        return result
                    if etag is None:
                        await self._backend.write(self._key, encode(states), if_none_match=True)
                    else:
                        await self._backend.write(self._key, encode(states), if_match=etag)
                    return result
        except ConflictError:
            pass
        log.warning("targets: %d conflicting writes in a row, giving up", self._max_attempts)
        raise StorageError(
            f"the targets could not be updated: {self._max_attempts} concurrent changes in a row; try again"
        )
