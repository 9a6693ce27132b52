"""One fetch per span across instances (both backends): claims are won by one instance, expire and
are taken over by exactly one, and two services on one store with overlapping requests ask the
exchange for each page once, every answer exact."""

from __future__ import annotations

import asyncio
import json
import math
import time

import pytest

from shared.errors import StorageError
from shared.exchange import ExchangeRegistry
from shared.fetch.claims import CELL_PAGES, ROOT, ClaimObjects, SpanClaims
from shared.fetch.service import CandleService
from shared.store import CandleStore
from tests.fetch.helpers import BTC, LIMIT, MIN, NOW_SLOT, fetch_rows, klines
from tests.sync.helpers import CountingBackend

KEY = f"{ROOT}ohlcv/test/0.json"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_one_instance_wins_a_claim_and_release_frees_it(backend):
    store = CandleStore(backend)
    a, b = SpanClaims(store, owner="a"), SpanClaims(store, owner="b")
    won = await asyncio.gather(a.take(KEY), b.take(KEY))
    assert sum(c is not None for c in won) == 1
    holder = a if won[0] is not None else b
    other = b if holder is a else a
    assert await other.take(KEY) is None
    await holder.release(next(c for c in won if c is not None))
    assert await backend.read(KEY) is None
    assert await other.take(KEY) is not None


async def test_an_expired_claim_is_taken_over_by_exactly_one(backend):
    store, clock = CandleStore(backend), Clock()
    crashed = SpanClaims(store, owner="crashed", ttl_seconds=10, clock=clock)
    stale = await crashed.take(KEY)
    assert stale is not None
    waiters = [SpanClaims(store, owner=f"w{i}", ttl_seconds=10, clock=clock) for i in range(5)]
    assert [await w.take(KEY) for w in waiters] == [None] * 5  # not expired yet
    clock.now += 11
    taken = await asyncio.gather(*(w.take(KEY) for w in waiters))
    assert sum(c is not None for c in taken) == 1
    owner = json.loads((await backend.read(KEY)).data)["owner"]
    assert owner == waiters[[c is not None for c in taken].index(True)].owner
    await crashed.release(stale)  # the crashed one coming back must not free the new holder's claim
    assert await backend.read(KEY) is not None


def service_on(backend, registry, emu, owner):
    store = CandleStore(backend)
    return CandleService(
        store,
        registry,
        max_request_candles=200_000,
        closed_margin_seconds=0.0,
        clock=emu.clock,
        claims=SpanClaims(store, owner=owner),
    )


async def test_two_instances_fetch_each_page_once(backend, exchange_emulator, exchange_settings):
    registries = [ExchangeRegistry(exchange_settings, clock=exchange_emulator.clock) for _ in range(2)]
    try:
        services = [service_on(backend, r, exchange_emulator, f"i{n}") for n, r in enumerate(registries)]
        base = NOW_SLOT - 40_000 * MIN
        ranges = [(base + k * 2_500 * MIN, base + (k * 2_500 + 12_000) * MIN) for k in range(12)]
        answers = await asyncio.gather(*(fetch_rows(services[k % 2], BTC, *r) for k, r in enumerate(ranges)))
        union = (ranges[0][0], ranges[-1][1])
        truth = exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", *union)
        for (start, end), rows in zip(ranges, answers, strict=True):
            assert rows == [r for r in truth if start <= r[0] < end]
        minimum = math.ceil((union[1] - union[0]) / MIN / LIMIT)
        assert minimum <= klines(exchange_emulator) <= minimum * 1.05
        assert await backend.list(ROOT) == []  # every claim released
    finally:
        for registry in registries:
            await registry.aclose()


async def test_a_crashed_holders_span_is_fetched_after_its_claim_expires(
    backend, exchange_registry, exchange_emulator
):
    store, clock = CandleStore(backend), Clock()
    start, end = NOW_SLOT - 3_000 * MIN, NOW_SLOT - 2_000 * MIN
    cell = LIMIT * CELL_PAGES * MIN
    crashed = SpanClaims(store, owner="crashed", ttl_seconds=0.5, clock=clock)
    claims = SpanClaims(store, owner="alive", ttl_seconds=0.5, clock=clock)
    service = CandleService(
        store, exchange_registry, closed_margin_seconds=0.0, clock=exchange_emulator.clock, claims=claims
    )
    keys = [claims.key_for(BTC, start - start % cell)]
    assert await crashed.take(keys[0]) is not None
    waiting = asyncio.create_task(fetch_rows(service, BTC, start, end))
    await asyncio.sleep(0.3)
    assert not waiting.done() and klines(exchange_emulator) == 0  # it waits for the holder
    clock.now += 1  # the holder never comes back: its claim expires
    rows = await asyncio.wait_for(waiting, 60)
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert klines(exchange_emulator) == 1


async def test_a_claim_renewed_while_it_is_released_is_still_released(backend):
    store = CandleStore(backend)
    claims = SpanClaims(store, owner="a")
    claim = await claims.take(KEY)
    assert claim is not None
    await backend.write(KEY, b'{"owner": "a", "expires": 1e12}', if_match=claim.etag)  # a renewal
    await claims.release(claim)  # with the ETag from before the renewal
    assert await backend.read(KEY) is None
    # one taken over by another instance is left to it
    other = SpanClaims(store, owner="b")
    mine = await claims.take(KEY)
    assert mine is not None
    await backend.write(KEY, b'{"owner": "b", "expires": 1e12}', if_match=mine.etag)
    await claims.release(mine)
    assert (await backend.read(KEY)) is not None and await other.take(KEY) is None


class FailingAfter(CountingBackend):
    """Refuses claim writes after the first ``n`` (storage trouble half way through taking them)."""

    def __init__(self, inner, n: int) -> None:
        super().__init__(inner)
        self.n = n

    async def write(self, key, data, **kw):
        if key.startswith(ROOT) and sum(v for k, v in self.writes.items() if k.startswith(ROOT)) >= self.n:
            raise StorageError("storage is unavailable")
        return await super().write(key, data, **kw)


async def test_claims_taken_before_a_failure_half_way_are_released(backend):
    objects = ClaimObjects(FailingAfter(backend, 5), "a", 60.0, time.time)
    keys = [f"{ROOT}ohlcv/test/{i}.json" for i in range(40)]
    with pytest.raises(StorageError):
        await objects.take_all(keys)
    assert await backend.list(ROOT) == []
