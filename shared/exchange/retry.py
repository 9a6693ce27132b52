"""Bounded retries with exponential backoff and full jitter, honouring a server's Retry-After.

The budget is ``max_attempts`` tries in total; each wait is ``base * 2**(n-1)`` capped at
``max_delay``, scaled by a random factor in [0.5, 1] (jitter spreads concurrent retriers). A
Retry-After longer than ``max_delay`` cannot be honoured within the budget, so we stop at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float | None:
        """Seconds to wait after failed try number ``attempt`` (1-based), or ``None`` to give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after_s is not None and retry_after_s > self.max_delay_s:
            return None
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)) * rng.uniform(0.5, 1.0)
        return max(backoff, retry_after_s or 0.0)


@dataclass(frozen=True, slots=True)
class Transient:
    """What ``classify`` says about a retryable failure."""

    retry_after_s: float | None = None


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    classify: Callable[[BaseException], Transient | None],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run ``call`` until it succeeds, ``classify`` calls its error permanent (``None``), or the
    budget is spent; then the last error propagates unchanged (callers map it)."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except Exception as exc:
            verdict = classify(exc)
            if verdict is None:
                raise
            wait = policy.delay(attempt, verdict.retry_after_s, rng)
            if wait is None:
                raise
            await sleep(wait)
