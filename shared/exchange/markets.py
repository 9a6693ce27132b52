"""Markets of one exchange, loaded once and refreshed at most every ``ttl_s`` seconds.

Concurrent first callers share a single load (one task, awaited by all). A failed load is not
cached: the next caller tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class MarketCache:
    def __init__(
        self, load: Callable[[bool], Awaitable[dict[str, Any]]], ttl_s: float, clock: Callable[[], float]
    ):
        self._load = load  # load(reload) -> markets by symbol
        self._ttl_s = ttl_s
        self._clock = clock
        self._markets: dict[str, Any] | None = None
        self._loaded_at = 0.0
        self._pending: asyncio.Task[dict[str, Any]] | None = None

    async def get(self) -> dict[str, Any]:
        fresh = self._markets is not None and self._clock() - self._loaded_at < self._ttl_s
        if fresh:
            assert self._markets is not None
            return self._markets
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._refresh(reload=self._markets is not None))
        task = self._pending
        try:
            return await asyncio.shield(task)
        finally:
            if task.done() and self._pending is task:
                self._pending = None

    async def _refresh(self, reload: bool) -> dict[str, Any]:
        markets = await self._load(reload)
        self._markets = markets
        self._loaded_at = self._clock()
        return markets
