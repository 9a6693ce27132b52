"""The gap-filling fetcher against the exchange emulator, on local files and on Azurite."""

from __future__ import annotations

import asyncio
import math

import pytest

from shared.errors import ExchangeError, RangeTooLargeError, UnknownExchangeError
from shared.series import SeriesKey
from tests.fetch.helpers import BTC, LIMIT, MIN, NOW_SLOT, fetch_rows, klines


def truth(emu, start, end, series=BTC):
    return emu.ground_truth(series.exchange, series.symbol, series.timeframe, start, end)


async def test_nothing_stored_fetches_everything_in_the_minimum_requests(service, exchange_emulator):
    start, end = NOW_SLOT - 3_500 * MIN, NOW_SLOT - 100 * MIN
    rows = await fetch_rows(service, BTC, start, end)
    assert rows == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil(3_400 / LIMIT)


async def test_everything_stored_makes_no_exchange_call(service, exchange_emulator):
    start, end = NOW_SLOT - 2_000 * MIN, NOW_SLOT - 10 * MIN
    first = await fetch_rows(service, BTC, start, end)
    exchange_emulator.reset_counts()
    again = await fetch_rows(service, BTC, start + 7 * MIN, end - 3 * MIN)
    assert exchange_emulator.request_count() == 0  # not even the markets
    assert again == [r for r in first if start + 7 * MIN <= r[0] < end - 3 * MIN]


@pytest.mark.parametrize(
    "stored",
    [
        [(500, 3_000)],  # gap at the start
        [(0, 900), (2_200, 3_000)],  # gap in the middle
        [(0, 2_400)],  # gap at the end
        [(100, 300), (1_500, 1_520), (2_900, 2_950)],  # several
    ],
)
async def test_gaps_are_fetched_and_only_the_gaps(service, exchange_emulator, stored):
    base = NOW_SLOT - 5_000 * MIN
    for a, b in stored:
        await fetch_rows(service, BTC, base + a * MIN, base + b * MIN)
    missing = await service.store.missing(BTC, base, base + 3_000 * MIN)
    exchange_emulator.reset_counts()
    stream = await service.open(BTC, base, base + 3_000 * MIN)
    assert stream.plan.requests >= 1
    rows = []
    async for batch in stream.batches():
        rows.extend(list(r.values()) for r in batch.to_pylist())
    assert rows == truth(exchange_emulator, base, base + 3_000 * MIN)
    assert klines(exchange_emulator) == stream.plan.requests
    assert stream.plan.missing_candles == sum((e - s) // MIN for s, e in missing)


async def test_exchange_side_gaps_are_fetched_once_then_never_again(service, exchange_emulator):
    start = NOW_SLOT - 4_000 * MIN
    exchange_emulator.series("binance", "BTC/USDT").gaps = [
        (start + 10 * MIN, start + 25 * MIN),
        (start + 1_500 * MIN, start + 1_501 * MIN),
    ]
    rows = await fetch_rows(service, BTC, start, start + 2_000 * MIN)
    stamps = {r[0] for r in rows}
    assert start + 12 * MIN not in stamps and start + 1_500 * MIN not in stamps and len(rows) == 2_000 - 16
    exchange_emulator.reset_counts()
    assert await fetch_rows(service, BTC, start, start + 2_000 * MIN) == rows
    assert exchange_emulator.request_count() == 0


async def test_the_open_candle_is_never_stored_and_is_picked_up_once_closed(service, exchange_emulator):
    start = NOW_SLOT - 30 * MIN
    stream = await service.open(BTC, start, NOW_SLOT + 10 * MIN)
    assert stream.end == NOW_SLOT  # clipped to the last closed candle
    rows = [list(r.values()) async for b in stream.batches() for r in b.to_pylist()]
    assert rows[-1][0] == NOW_SLOT - MIN and await service.store.latest_timestamp(BTC) == NOW_SLOT - MIN
    exchange_emulator.clock.advance(60)  # the open candle closes
    exchange_emulator.reset_counts()
    rows = await fetch_rows(service, BTC, start, NOW_SLOT + 10 * MIN)
    assert rows[-1] == truth(exchange_emulator, NOW_SLOT, NOW_SLOT + MIN)[0]
    assert klines(exchange_emulator) == 1


async def test_a_fault_mid_download_keeps_what_came_before_and_a_rerun_fetches_only_the_rest(
    service, exchange_emulator
):
    start, end = NOW_SLOT - 8_000 * MIN, NOW_SLOT - 1_000 * MIN  # 7 requests

    async def fail_after_three(progress):
        if progress.requests_done == 3:
            exchange_emulator.inject("binance", "status", count=1_000, status=503)

    with pytest.raises(ExchangeError):
        await fetch_rows(service, BTC, start, end, progress=fail_after_three)
    # pipelined windows already answered when the fault began are kept too: a prefix of whole pages
    [(kept_start, kept_end)] = await service.store.coverage(BTC, start, end)
    pages_kept, rest = divmod(kept_end - start, LIMIT * MIN)
    assert kept_start == start and rest == 0 and 3 <= pages_kept < 7
    exchange_emulator.faults.clear()
    exchange_emulator.reset_counts()
    assert await fetch_rows(service, BTC, start, end) == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == 7 - pages_kept


async def test_two_concurrent_overlapping_requests_make_each_request_once(service, exchange_emulator):
    base = NOW_SLOT - 6_000 * MIN
    a = fetch_rows(service, BTC, base, base + 3_000 * MIN)
    b = fetch_rows(service, BTC, base + 1_000 * MIN, base + 4_000 * MIN)
    rows_a, rows_b = await asyncio.gather(a, b)
    assert rows_a == truth(exchange_emulator, base, base + 3_000 * MIN)
    assert rows_b == truth(exchange_emulator, base + 1_000 * MIN, base + 4_000 * MIN)
    assert klines(exchange_emulator) == 4  # 4,000 distinct candles, each asked for once


async def test_a_range_larger_than_the_maximum_is_refused_before_any_work(
    service, exchange_emulator, backend
):
    with pytest.raises(RangeTooLargeError) as err:
        await service.open(BTC, NOW_SLOT - 300_000 * MIN, NOW_SLOT)
    assert err.value.code == "RANGE_TOO_LARGE" and "200,000" in err.value.message
    assert exchange_emulator.request_count() == 0 and await backend.list("") == []


async def test_an_exchange_off_the_allow_list_is_refused_without_creating_a_client(
    service, exchange_registry
):
    with pytest.raises(UnknownExchangeError):
        await service.open(SeriesKey("kraken", "BTC/USD", "1m"), NOW_SLOT - 10 * MIN, NOW_SLOT)
    assert exchange_registry.created() == {}


async def test_progress_reports_count_up_to_the_total(service):
    seen = []
    await fetch_rows(service, BTC, NOW_SLOT - 2_500 * MIN, NOW_SLOT, progress=seen.append)
    assert seen[0].known == 0 and seen[0].requests_planned == 3 and seen[0].total == 2_500
    assert seen[-1].known == 2_500 and seen[-1].requests_done == 3


async def test_sync_backfills_a_new_target_then_costs_one_request_and_one_write(service, exchange_emulator):
    first = await service.sync(BTC)
    assert first.start == NOW_SLOT - NOW_SLOT % MIN - 3 * 1_440 * MIN and first.end == NOW_SLOT
    assert first.candles_added == 3 * 1_440
    exchange_emulator.reset_counts()
    idle = await service.sync(BTC)
    assert (idle.requests, idle.partition_writes, exchange_emulator.request_count()) == (0, 0, 0)
    exchange_emulator.clock.advance(30 * 60)
    later = await service.sync(BTC)
    assert (later.candles_added, later.requests, later.partition_writes) == (30, 1, 1)
    assert klines(exchange_emulator) == 1
    assert await service.store.latest_timestamp(BTC) == NOW_SLOT + 29 * MIN


async def test_sync_is_not_capped_by_the_per_request_maximum(backend, exchange_registry, exchange_emulator):
    from shared.fetch.service import CandleService
    from shared.store import CandleStore

    small = CandleService(
        CandleStore(backend),
        exchange_registry,
        max_request_candles=1_000,
        closed_margin_seconds=0.0,
        backfill_days=3,
        clock=exchange_emulator.clock,
    )
    result = await small.sync(BTC)  # 4,320 candles of backfill, more than one request may ask for
    assert result.candles_added == 3 * 1_440


async def test_the_maximum_counts_candles_not_milliseconds(service):
    start = NOW_SLOT - 300_000 * MIN
    with pytest.raises(RangeTooLargeError):  # 200,001 candle opening times, 200,000.5 minutes long
        await service.open(BTC, start, start + 200_000 * MIN + 30_000)
    stream = await service.open(BTC, start + 30_000, start + 200_000 * MIN + 30_000)  # exactly 200,000
    assert stream.tally.total == 200_000


async def test_pipelined_pages_answered_out_of_order_are_stored_in_order(service, exchange_emulator):
    first = NOW_SLOT - 9_000 * MIN
    await fetch_rows(service, BTC, first, first + 10 * MIN)  # history known: windows pipeline at once
    start, end = first + 1_000 * MIN, NOW_SLOT - 100 * MIN
    exchange_emulator.reset_counts()
    exchange_emulator.inject("binance", "timeout", delay_s=0.3)  # the first window answers last
    assert await fetch_rows(service, BTC, start, end) == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil((end - start) / MIN / LIMIT)
    assert await service.store.missing(BTC, start, end) == []
