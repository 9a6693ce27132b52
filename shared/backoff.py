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

A rate limit (429/418) is not one request's problem: with a ``Gate`` shared by concurrent callers
(the pipelined windows of a fetch), the caller that met it closes the gate for its wait and every
other caller holds its next attempt until the gate opens again -- one pause, no request storm.

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
        doubled = self.base_delay_s * 2 ** min(attempt - 1, 64)  # capped: 2**1024 overflows a float
        backoff = min(self.max_delay_s, doubled) * factor
        return max(backoff, retry_after_s or 0.0)


@dataclass(frozen=True, slots=True)
class Transient:
    """What ``classify`` says about a retryable failure."""

    retry_after_s: float | None = None
    rate_limited: bool = False  # the server asked us to slow down: pause every caller of the gate


class Gate:
    """Shared by concurrent callers: closed while any of them waits out a rate limit."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._holders = 0

    async def wait(self) -> None:
        await self._open.wait()

    async def hold(self, sleep: Sleep, seconds: float) -> None:
        self._holders += 1
        self._open.clear()
        try:
            await sleep(seconds)
        finally:
            self._holders -= 1
            if not self._holders:
                self._open.set()


Classify = Callable[[BaseException], Transient | None]


class _Decision:
    """tenacity's ``retry`` and ``wait`` hooks from one ``RetryPolicy.delay`` per failed try
    (tenacity asks ``retry`` first, then ``wait`` for the same try)."""

    def __init__(self, policy: RetryPolicy, classify: Classify, rng: random.Random) -> None:
        self.policy, self.classify, self.rng = policy, classify, rng
        self.next_wait = 0.0
        self.rate_limited = False

    def should_retry(self, state: RetryCallState) -> bool:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        verdict = self.classify(error) if isinstance(error, Exception) else None
        wait = None
        self.rate_limited = verdict is not None and verdict.rate_limited
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
    gate: Gate | None = None,
) -> AsyncRetrying:
    """The retry loop, for ``async for attempt in retrying(...): with attempt: ...`` (tenacity's
    own idiom: the body may ``return``; the last error propagates when the budget is spent).
    With a ``gate``, a rate-limited failure's wait closes the gate for every caller sharing it."""
    decision = _Decision(policy, classify, rng or random.Random())

    async def pause(seconds: float) -> None:
        if gate is not None and decision.rate_limited:
            await gate.hold(sleep, seconds)
        else:
            await sleep(seconds)

    return AsyncRetrying(
        sleep=pause,
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
    gate: Gate | None = None,
) -> T:
    """Run ``call`` until it succeeds, ``classify`` calls its error permanent (``None``), or the
    budget is spent; then the last error propagates unchanged (callers map it). With a ``gate``,
    every try first waits until no caller sharing it is waiting out a rate limit."""

    async def attempt() -> T:  # tenacity awaits only coroutine functions; ``call`` may be a lambda
        if gate is not None:
            await gate.wait()
        return await call()

    return await retrying(policy, classify, sleep=sleep, rng=rng, gate=gate)(attempt)


def on(*kinds: type[BaseException]) -> Classify:
    """A ``classify`` that retries exactly these exception types (no Retry-After)."""

    def classify(exc: BaseException) -> Transient | None:
        return Transient() if isinstance(exc, kinds) else None

    return classify
