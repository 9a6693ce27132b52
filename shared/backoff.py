"""THE retry helper: bounded retries with jittered exponential backoff, honouring a server's Retry-After.

Used by the three retry loops of the service: exchange calls (``exchange/ccxt/client.py``), the
candle store's conditional-write conflicts (``store/candle_store.py``) and the watched targets'
conflicts (``sync/targets.py``). One policy type, one loop (tenacity's ``AsyncRetrying``):

- the budget is ``max_attempts`` tries in total;
- ``classify`` says whether a failure is worth retrying (``Transient``, with the server's
  Retry-After when it sent one) or permanent (``None``: it propagates at once);
- each wait is ``base * 2**(n-1)`` capped at ``max_delay``, scaled by a random factor in
  ``[min_jitter, 1]`` (1 - jitter spreads concurrent retriers; ``min_jitter=0`` is "full jitter"),
  and never shorter than the Retry-After;
- a Retry-After longer than ``max_delay`` cannot be honoured within the budget, so we stop at once.

When the budget is spent the last error propagates unchanged (callers map it). ``sleep`` and ``rng``
are injectable so tests record the waits and fix the jitter.

Written by hand, with why: tenacity has no wait that honours a Retry-After carried by the error, nor
a stop that gives up when that Retry-After exceeds the cap, and its random waits use the global
``random`` (no injected generator). So the decision (retry or not, and how long) is this module's
``RetryPolicy.delay``, plugged into tenacity as its ``retry`` and ``wait`` hooks.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, stop_never

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    min_jitter: float = 0.5  # the wait is scaled by a factor in [min_jitter, 1]

    def delay(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float | None:
        """Seconds to wait after failed try number ``attempt`` (1-based), or ``None`` to give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after_s is not None and retry_after_s > self.max_delay_s:
            return None
        factor = rng.uniform(self.min_jitter, 1.0)
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)) * factor
        return max(backoff, retry_after_s or 0.0)


@dataclass(frozen=True, slots=True)
class Transient:
    """What ``classify`` says about a retryable failure."""

    retry_after_s: float | None = None


Classify = Callable[[BaseException], Transient | None]


class _Decision:
    """tenacity's ``retry`` and ``wait`` hooks from one ``RetryPolicy.delay`` per failed try
    (tenacity asks ``retry`` first, then ``wait`` for the same try)."""

    def __init__(self, policy: RetryPolicy, classify: Classify, rng: random.Random) -> None:
        self.policy, self.classify, self.rng = policy, classify, rng
        self.next_wait = 0.0

    def should_retry(self, state: RetryCallState) -> bool:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        verdict = self.classify(error) if isinstance(error, Exception) else None
        wait = None
        if verdict is not None:
            wait = self.policy.delay(state.attempt_number, verdict.retry_after_s, self.rng)
        self.next_wait = wait or 0.0
        return wait is not None

    def wait(self, state: RetryCallState) -> float:
        return self.next_wait


def retrying(
    policy: RetryPolicy,
    classify: Classify,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> AsyncRetrying:
    """The retry loop, for ``async for attempt in retrying(...): with attempt: ...`` (tenacity's
    own idiom: the body may ``return``; the last error propagates when the budget is spent)."""
    decision = _Decision(policy, classify, rng or random.Random())
    return AsyncRetrying(
        sleep=sleep,
        stop=stop_never,  # the policy decides (attempts and Retry-After) in ``should_retry``
        retry=decision.should_retry,
        wait=decision.wait,
        reraise=True,
    )


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    classify: Classify,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run ``call`` until it succeeds, ``classify`` calls its error permanent (``None``), or the
    budget is spent; then the last error propagates unchanged (callers map it)."""

    async def attempt() -> T:  # tenacity awaits only coroutine functions; ``call`` may be a lambda
        return await call()

    return await retrying(policy, classify, sleep=sleep, rng=rng)(attempt)


def on(*kinds: type[BaseException]) -> Classify:
    """A ``classify`` that retries exactly these exception types (no Retry-After)."""

    def classify(exc: BaseException) -> Transient | None:
        return Transient() if isinstance(exc, kinds) else None

    return classify
