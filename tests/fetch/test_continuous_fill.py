"""A missing stretch is downloaded in one go: the exchange keeps being asked while partitions are
written (behind the download) and while the reader reads; claims are taken ahead of the download.
On local files and on Azurite, against the exchange emulator through real ccxt."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

import pytest

from shared.fetch.claims import CELL_PAGES, ROOT, SpanClaims
from shared.fetch.service import CandleService
from shared.series import SeriesKey
from shared.store import CandleStore
from shared.store.layout import partition_bounds
from tests.fetch.helpers import BTC, LIMIT, MIN, NOW_SLOT, fetch_rows, klines
from tests.sync.helpers import CountingBackend


def truth(emu, start, end, series=BTC):
    return emu.ground_truth(series.exchange, series.symbol, series.timeframe, start, end)


def three_partitions() -> tuple[int, int]:
    """A range over two month boundaries, ending well before "now"."""
    end = partition_bounds(NOW_SLOT, MIN)[0]  # the start of the current month
    month = partition_bounds(end - 1, MIN)[0]  # the month before
    month = partition_bounds(month - 1, MIN)[0]  # and the one before that
    start = partition_bounds(month - 1, MIN)[0] + 20 * 24 * 60 * MIN  # 20 days into the third one
    return start, end


class HeldPartition(CountingBackend):
    """Holds the writes of one candle partition (``held_key``; by default the first one written)
    until ``release`` is set."""

    def __init__(self, inner, held_key: str | None = None) -> None:
        super().__init__(inner)
        self.held_key, self.release, self.held = held_key, asyncio.Event(), asyncio.Event()

    async def write(self, key, data, **kw):
        if key.endswith(".parquet") and self.held_key is None and not self.held.is_set():
            self.held_key = key
        if self.held_key is not None and key.endswith(self.held_key) and not self.release.is_set():
            self.held.set()
            await self.release.wait()
        return await super().write(key, data, **kw)


def service_on(backend, registry, emu, *, claims: bool) -> CandleService:
    store = CandleStore(backend)
    return CandleService(
        store,
        registry,
        max_request_candles=500_000,
        closed_margin_seconds=0.0,
        clock=emu.clock,
        claims=SpanClaims(store, owner="here") if claims else None,
    )


@pytest.mark.parametrize("claims", [False, True], ids=["one-instance", "claims"])
async def test_the_exchange_is_asked_while_a_partition_is_written(
    backend, exchange_registry, exchange_emulator, claims
):
    start, end = three_partitions()
    held = HeldPartition(backend)
    service = service_on(held, exchange_registry, exchange_emulator, claims=claims)
    first_partition_pages = math.ceil((partition_bounds(start, MIN)[1] - start) / MIN / LIMIT)
    answer = asyncio.create_task(fetch_rows(service, BTC, start, end))
    await asyncio.wait_for(held.held.wait(), 30)
    # the first partition's write is stuck; the download goes on into the next partition (more
    # requests than the windows kept in flight could explain)
    async with asyncio.timeout(30):
        while klines(exchange_emulator) < first_partition_pages + 10:  # noqa: ASYNC110  # the emulator's count
            await asyncio.sleep(0.01)
    held.release.set()
    assert await asyncio.wait_for(answer, 60) == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil((end - start) / MIN / LIMIT)
    partitions = [k for k in held.writes if k.endswith(".parquet")]
    # three partitions (and, with claims, the head of the next: the last page is asked whole)
    assert 3 <= len(partitions) <= 3 + claims and all(held.writes[k] <= 2 for k in partitions)


async def test_a_reader_that_stops_early_stops_the_download_and_keeps_what_came(
    backend, exchange_registry, exchange_emulator
):
    start, end = three_partitions()
    service = service_on(backend, exchange_registry, exchange_emulator, claims=True)
    stream = await service.open(BTC, start, end)
    batches = stream.batches()
    first = await anext(batches)
    assert first.num_rows > 0
    await batches.aclose()  # the reader goes away: the background download is stopped, not leaked
    made = klines(exchange_emulator)
    await asyncio.sleep(0.3)
    assert klines(exchange_emulator) == made
    assert await backend.list(ROOT) == []  # its claims released
    [(kept_start, kept_end)] = await service.store.coverage(BTC, start, end)
    assert kept_start == start and kept_end > partition_bounds(start, MIN)[1]  # whole pages kept
    exchange_emulator.reset_counts()
    assert await fetch_rows(service, BTC, start, end) == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil((end - kept_end) / MIN / LIMIT)


class Recorder:
    """The ``fetch`` of ``SpanClaims.fetch_once``: records each call and stores its span as fetched."""

    def __init__(self, store: CandleStore, series: SeriesKey) -> None:
        self.store, self.series, self.calls = store, series, []
        self.called = asyncio.Event()

    async def __call__(self, gap: tuple[int, int]) -> None:
        self.calls.append(gap)
        self.called.set()
        await self.store.write(self.series, [], gap)  # recorded as fetched (a confirmed empty span)


async def test_claimed_cells_are_fetched_as_one_run_and_a_cell_held_elsewhere_in_its_place(backend):
    store = CandleStore(backend)
    series = SeriesKey("binance", "BTC/USDT", "1m")
    cell = LIMIT * CELL_PAGES * MIN
    base = 1_000 * cell
    span = (base, base + 6 * cell)
    claims = SpanClaims(store, owner="here", ttl_seconds=0.5)
    fetch = Recorder(store, series)
    await claims.fetch_once(series, span, LIMIT, fetch, not_after=span[1], history_from=base)
    assert fetch.calls == [span]  # six cells claimed ahead: one continuous download
    assert await backend.list(ROOT) == []

    # another instance holds the third cell of a new span and stores it while we wait for it
    span = (base + 10 * cell, base + 16 * cell)
    other = SpanClaims(store, owner="other")
    taken = await other.take(claims.key_for(series, span[0] + 2 * cell))
    assert taken is not None
    fetch.calls.clear()

    async def the_other_instance_stores_its_cell() -> None:
        await fetch.called.wait()  # we fetched the run before its cell and now wait for it
        await store.write(series, [], (span[0] + 2 * cell, span[0] + 3 * cell))
        await other.release(taken)

    await asyncio.gather(
        claims.fetch_once(series, span, LIMIT, fetch, not_after=span[1], history_from=base),
        the_other_instance_stores_its_cell(),
    )
    assert fetch.calls == [(span[0], span[0] + 2 * cell), (span[0] + 3 * cell, span[1])]  # in time order
    assert await store.missing(series, *span) == []
    assert await backend.list(ROOT) == []


async def test_a_first_fetch_off_the_page_grid_keeps_one_grid_across_claim_groups(backend):
    # cells are claimed 64 at a time: the windows of a series' first fetch start off the page grid,
    # and a run cut at the cell grid would cost one request more than the minimum; the run stops at
    # its last whole page instead and the next group's run starts there
    store = CandleStore(backend)
    series = SeriesKey("binance", "BTC/USDT", "1m")
    page = LIMIT * MIN
    cell = CELL_PAGES * page
    span = (2_000 * cell + 123 * MIN, 2_100 * cell)
    fetch = Recorder(store, series)
    await SpanClaims(store, owner="here").fetch_once(series, span, LIMIT, fetch, not_after=span[1])
    assert fetch.calls[0][0] == span[0] and fetch.calls[-1][1] == span[1]
    assert all(a[1] == b[0] for a, b in zip(fetch.calls, fetch.calls[1:], strict=False))  # contiguous
    assert all((end - span[0]) % page == 0 for _, end in fetch.calls[:-1])  # cut on the request's grid
    windows = sum(-(-(end - start) // page) for start, end in fetch.calls)
    assert len(fetch.calls) == 2 and windows == -(-(span[1] - span[0]) // page)  # the minimum
    assert await backend.list(ROOT) == []


@pytest.mark.parametrize("claims", [False, True], ids=["one-instance", "claims"])
async def test_a_request_inside_a_long_download_waits_only_for_its_own_part(
    backend, exchange_registry, exchange_emulator, claims
):
    start, end = three_partitions()
    last = partition_bounds(end - 1, MIN)[0]
    held = HeldPartition(backend, f"{datetime.fromtimestamp(last / 1000, UTC):%Y-%m}.parquet")
    service = service_on(held, exchange_registry, exchange_emulator, claims=claims)
    long = asyncio.create_task(fetch_rows(service, BTC, start, end))
    await asyncio.wait_for(held.held.wait(), 30)  # the long download is stuck at its last partition
    # a request for the first partition's candles is served as soon as they are stored, without
    # waiting for the long download to end, and without asking the exchange for them again
    inside = (start + 1_000 * MIN, partition_bounds(start, MIN)[1])
    assert await asyncio.wait_for(fetch_rows(service, BTC, *inside), 30) == truth(exchange_emulator, *inside)
    assert not long.done()
    held.release.set()
    assert await asyncio.wait_for(long, 60) == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil((end - start) / MIN / LIMIT)  # none by the second


async def test_a_request_waiting_on_a_download_that_fails_fetches_the_rest_itself(
    backend, exchange_registry, exchange_emulator
):
    start, end = three_partitions()
    service = service_on(backend, exchange_registry, exchange_emulator, claims=False)
    stream = await service.open(BTC, start, end)
    batches = stream.batches()
    await anext(batches)  # the long download is under way ...
    waiting = asyncio.create_task(fetch_rows(service, BTC, end - 5_000 * MIN, end))
    await asyncio.sleep(0)
    await batches.aclose()  # ... and stops before it reaches the waiting request's part
    assert await asyncio.wait_for(waiting, 60) == truth(exchange_emulator, end - 5_000 * MIN, end)
    assert await service.store.missing(BTC, end - 5_000 * MIN, end) == []
