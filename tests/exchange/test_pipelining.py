"""Pipelined windows: in flight together, yielded in order, the minimum requests, one pause for a 429."""

from __future__ import annotations

import asyncio
import math
import random

import pytest

from shared.backoff import Gate, RetryPolicy, Transient, with_retries
from shared.exchange.paging import iterate_pages
from tests.emulator import ExchangeEmulator
from tests.emulator.fixtures import LISTING_MS
from tests.exchange.helpers import MIN, assert_contiguous, rows_of

TF = 60_000
LIMIT = 10


class ReverseOrderExchange:
    """A fetch function whose answers complete newest-request-first, once ``width`` are pending."""

    def __init__(self, width: int, fail_at: int | None = None) -> None:
        self.width = width
        self.fail_at = fail_at
        self.calls: list[int] = []
        self.pending: list[tuple[int, asyncio.Event]] = []
        self.peak = 0

    async def fetch(self, since: int, until: int, limit: int) -> list:
        self.calls.append(since)
        gate = asyncio.Event()
        self.pending.append((since, gate))
        self.peak = max(self.peak, len(self.pending))
        if len(self.pending) >= self.width or since + limit * TF >= self.end:
            for _, event in reversed(self.pending):  # release newest first
                event.set()
                await asyncio.sleep(0)
            self.pending.clear()
        await gate.wait()
        if self.fail_at is not None and since == self.fail_at:
            raise RuntimeError("window failed")
        return [[t, 10.0, 12.0, 9.0, 11.0, 1.0] for t in range(since, min(since + limit * TF, until + 1), TF)]


async def test_answers_arriving_out_of_order_are_yielded_in_order_with_the_minimum_requests() -> None:
    exchange = ReverseOrderExchange(width=4)
    exchange.end = 95 * TF
    pages = [
        page
        async for page in iterate_pages(
            exchange.fetch, start_ms=0, stop_ms=95 * TF, tf_ms=TF, limit=LIMIT, what="x",
            history_known=True, max_inflight=4,
        )
    ]  # fmt: skip
    assert exchange.peak == 4  # four windows really were in flight together
    assert [row[0] for row in rows_of(pages)] == list(range(0, 95 * TF, TF))
    assert_contiguous(pages, 0, 95 * TF)
    assert len(exchange.calls) == math.ceil(95 / LIMIT)


async def test_a_failed_window_yields_every_page_before_it_and_none_after() -> None:
    exchange = ReverseOrderExchange(width=4, fail_at=50 * TF)
    exchange.end = 95 * TF
    pages = []
    with pytest.raises(RuntimeError):
        async for page in iterate_pages(
            exchange.fetch, start_ms=0, stop_ms=95 * TF, tf_ms=TF, limit=LIMIT, what="x",
            history_known=True, max_inflight=4,
        ):  # fmt: skip
            pages.append(page)
    assert_contiguous(pages, 0, 50 * TF)  # windows after the failure may have answered: not yielded


async def test_a_rate_limit_pauses_every_caller_of_the_gate_once() -> None:
    gate, log = Gate(), []
    release = asyncio.Event()
    limited = [True]

    async def sleep(seconds: float) -> None:
        log.append(("pause", seconds))
        await release.wait()

    async def call_a() -> str:
        if limited[0]:
            limited[0] = False
            raise TimeoutError("429")
        log.append(("a",))
        return "a"

    async def call_b() -> str:
        log.append(("b",))
        return "b"

    def classify(exc: BaseException) -> Transient:
        return Transient(0.5, rate_limited=True)

    policy = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=1.0)
    a = asyncio.create_task(
        with_retries(call_a, policy, classify, sleep=sleep, rng=random.Random(1), gate=gate)
    )
    await asyncio.sleep(0.01)  # a met the rate limit and holds the gate
    b = asyncio.create_task(
        with_retries(call_b, policy, classify, sleep=sleep, rng=random.Random(1), gate=gate)
    )
    await asyncio.sleep(0.01)
    assert log == [("pause", 0.5)]  # b has not been sent while a waits out the limit
    release.set()
    assert await asyncio.gather(a, b) == ["a", "b"]
    assert sorted(log[1:]) == [("a",), ("b",)]


async def test_a_slow_window_with_later_ones_answered_first_gives_the_exact_candles(
    exchange_registry, exchange_emulator: ExchangeEmulator
) -> None:
    client = exchange_registry.get("binance")
    start = LISTING_MS + 10 * MIN
    end = start + 6_500 * MIN
    await client.ensure_market("BTC/USDT")
    exchange_emulator.reset_counts()
    # the first window's answer is held back 0.3 s (the client waits 2 s): windows 2-4 answer first
    exchange_emulator.inject("binance", "timeout", delay_s=0.3)
    pages = [p async for p in client.fetch_ohlcv("BTC/USDT", "1m", start, end, history_known=True)]
    assert rows_of(pages) == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert_contiguous(pages, start, end)
    assert exchange_emulator.request_count("binance", "ohlcv") == 7


@pytest.mark.parametrize("kind", ["rate_limit", "ban"])
async def test_429s_on_every_window_in_flight_cost_one_retry_each_and_lose_nothing(
    kind: str, exchange_registry, exchange_emulator: ExchangeEmulator
) -> None:
    client = exchange_registry.get("binance")
    start = LISTING_MS + 10 * MIN
    end = start + 9_000 * MIN
    await client.ensure_market("BTC/USDT")
    exchange_emulator.reset_counts()
    exchange_emulator.inject("binance", kind, count=4, retry_after=0.01)  # one for each window in flight
    pages = [p async for p in client.fetch_ohlcv("BTC/USDT", "1m", start, end, history_known=True)]
    assert rows_of(pages) == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert exchange_emulator.request_count("binance", "ohlcv") == 9 + 4
