"""The one retry loop (shared.backoff): budget, permanent errors, Retry-After and its cap, the seams."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.backoff import RetryPolicy, Transient, on, retrying, with_retries


class Flaky:
    def __init__(self, failures: list[BaseException], result: str = "ok") -> None:
        self.failures, self.result, self.calls = list(failures), result, 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.result


def recorder() -> tuple[list[float], object]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return waits, sleep


def transient_on_value_error(retry_after: float | None = None):
    return lambda exc: Transient(retry_after) if isinstance(exc, ValueError) else None


async def test_transient_failures_are_retried_with_growing_jittered_waits():
    waits, sleep = recorder()
    call = Flaky([ValueError("1"), ValueError("2"), ValueError("3")])
    policy = RetryPolicy(max_attempts=5, base_delay_s=1.0, max_delay_s=30.0)
    assert (
        await with_retries(call, policy, transient_on_value_error(), sleep=sleep, rng=random.Random(1))
        == "ok"
    )
    assert call.calls == 4 and len(waits) == 3
    for n, wait in enumerate(waits, start=1):
        assert 0.5 * 2 ** (n - 1) <= wait <= 2 ** (n - 1)  # base * 2**(n-1) scaled into [0.5, 1]


async def test_the_budget_is_spent_then_the_last_error_propagates_unchanged():
    waits, sleep = recorder()
    last = ValueError("last")
    call = Flaky([ValueError("a"), ValueError("b"), last])
    with pytest.raises(ValueError) as caught:
        await with_retries(call, RetryPolicy(max_attempts=3), transient_on_value_error(), sleep=sleep)
    assert caught.value is last and call.calls == 3 and len(waits) == 2


async def test_a_permanent_error_is_not_retried():
    waits, sleep = recorder()
    call = Flaky([KeyError("permanent")])
    with pytest.raises(KeyError):
        await with_retries(call, RetryPolicy(), transient_on_value_error(), sleep=sleep)
    assert call.calls == 1 and waits == []


async def test_retry_after_is_honoured_and_one_beyond_the_cap_gives_up_at_once():
    waits, sleep = recorder()
    policy = RetryPolicy(max_attempts=5, base_delay_s=0.001, max_delay_s=2.0)
    call = Flaky([ValueError("limited")])
    await with_retries(call, policy, transient_on_value_error(1.5), sleep=sleep)
    assert waits == [1.5]
    call = Flaky([ValueError("banned")])
    with pytest.raises(ValueError):
        await with_retries(call, policy, transient_on_value_error(60.0), sleep=sleep)
    assert call.calls == 1 and waits == [1.5]


async def test_the_loop_form_counts_tries_and_lets_the_body_return():
    waits, sleep = recorder()
    seen: list[int] = []
    failures = [ValueError(), ValueError()]

    async def body() -> int:
        async for attempt in retrying(
            RetryPolicy(max_attempts=4, min_jitter=0.0), on(ValueError), sleep=sleep
        ):
            with attempt:
                seen.append(attempt.retry_state.attempt_number)
                if failures:
                    raise failures.pop()
                return attempt.retry_state.attempt_number
        raise AssertionError("the loop ended without returning")

    assert await body() == 3 and seen == [1, 2, 3] and len(waits) == 2


async def test_the_injected_rng_makes_the_waits_repeatable():
    async def run(seed: int) -> list[float]:
        waits, sleep = recorder()
        call = Flaky([ValueError()] * 4)
        await with_retries(
            call, RetryPolicy(), transient_on_value_error(), sleep=sleep, rng=random.Random(seed)
        )
        return waits

    assert await run(7) == await run(7) != await run(8)


@given(st.integers(1, 12), st.floats(0, 1), st.floats(0.001, 5), st.floats(0.001, 60))
def test_full_jitter_stays_between_zero_and_the_capped_backoff(attempt, min_jitter, base, cap):
    policy = RetryPolicy(max_attempts=13, base_delay_s=base, max_delay_s=cap, min_jitter=min_jitter)
    wait = policy.delay(attempt, None, random.Random(attempt))
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert wait is not None and min_jitter * ceiling - 1e-9 <= wait <= ceiling + 1e-9
