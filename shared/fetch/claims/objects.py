"""The claim objects in storage: taken with ``if_none_match`` (one winner on every backend), renewed
while held, taken over with ``if_match`` once expired, deleted when done.

A claim object holds its owner and an expiry (``{"owner": ..., "expires": unix seconds}``). Claims
live under ``claims/`` and are never read by anything else.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from shared.errors import ConflictError, StorageError
from shared.series import SeriesKey
from shared.storage.backend import StorageBackend
from shared.store import layout

log = logging.getLogger(__name__)
ROOT = "claims/"
CONCURRENCY = 16  # claim writes in flight at once
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    etag: str


class ClaimObjects:
    def __init__(
        self, backend: StorageBackend, owner: str, ttl_seconds: float, clock: Callable[[], float]
    ) -> None:
        self._backend, self.owner, self._ttl, self._clock = backend, owner, ttl_seconds, clock

    @staticmethod
    def key_for(series: SeriesKey, cell_start: int) -> str:
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

    async def take_all(self, keys: list[str]) -> dict[str, Claim]:
        """The claims of ``keys`` taken here (the others are held elsewhere), a few at a time. If
        taking fails or is cancelled half way, the claims already taken are released again."""
        gate = asyncio.Semaphore(CONCURRENCY)
        stop = False

        async def one(key: str) -> Claim | None:
            async with gate:
                return None if stop else await self.take(key)

        tasks = [asyncio.ensure_future(one(k)) for k in keys]
        try:
            taken = await asyncio.gather(*tasks)
        except BaseException:
            # not cancelled: a take whose write landed must return its claim to be released; the
            # ones not started yet are skipped
            stop = True
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            await bounded_gather([self.release(c) for c in outcomes if isinstance(c, Claim)], CONCURRENCY)
            raise
        return {c.key: c for c in taken if c is not None}

    async def release(self, claim: Claim) -> None:
        try:
            try:
                await self._backend.delete(claim.key, if_match=claim.etag)
            except ConflictError:  # renewed meanwhile (still ours: delete it), or taken over (leave it)
                current = await self._backend.read(claim.key)
                if current is not None and _owner(current.data) == self.owner:
                    await self._backend.delete(claim.key, if_match=current.etag)
        except ConflictError:
            pass  # taken over after it expired: the new holder's now
        except StorageError as exc:
            log.warning("could not release claim %s (%s); it expires by itself", claim.key, exc.code)

    async def release_some(self, held: dict[str, Claim], keys: list[str]) -> None:
        """Release the claims of ``keys`` and drop them from ``held``."""
        claims = [held.pop(k) for k in keys if k in held]
        await bounded_gather([self.release(c) for c in claims], CONCURRENCY)

    @asynccontextmanager
    async def holding(self, held: dict[str, Claim]) -> AsyncIterator[None]:
        """Keep renewing the claims in ``held`` (updated in place with their new ETags) every third of
        the TTL; release whatever is still in it at the end, whether the block worked or not."""
        renewing = asyncio.create_task(self._renew(held))
        try:
            yield
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            await self.release_some(held, list(held))

    async def _renew(self, held: dict[str, Claim]) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            await bounded_gather([self._renew_one(held, key) for key in list(held)], CONCURRENCY)

    async def _renew_one(self, held: dict[str, Claim], key: str) -> None:
        claim = held.get(key)
        if claim is None:
            return
        try:
            etag = await self._backend.write(key, self._body(), if_match=claim.etag)
        except StorageError as exc:  # lost it (taken over) or storage trouble: the fetch goes on
            log.warning("could not renew claim %s (%s)", key, exc.code)
            return
        if key in held:
            held[key] = Claim(key, etag)


async def bounded_gather(calls: list[Awaitable[T]], limit: int) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


def _owner(data: bytes) -> str | None:
    try:
        return str(json.loads(data)["owner"])
    except (ValueError, KeyError, TypeError):
        return None


def _expiry(data: bytes) -> float:
    try:
        return float(json.loads(data)["expires"])
    except (ValueError, KeyError, TypeError):
        return 0.0  # unreadable: treat as expired
