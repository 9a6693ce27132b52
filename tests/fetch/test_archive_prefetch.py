"""Archive files download while the exchange checks run; nothing is stored before they pass."""

from __future__ import annotations

import asyncio
import math

import pytest

from shared.errors import CoinNotAvailableError
from shared.series import SeriesKey
from tests.fetch.helpers import BTC, LIMIT, MIN, NOW_SLOT, archive_service, klines
from tests.fetch.test_archive import archive_count, ms, truth

DOGE = SeriesKey("binance", "DOGE/USDT", "1m")  # not listed on the emulator's binance


async def read_all(stream) -> list[list]:
    rows: list[list] = []
    async for batch in stream.batches():
        rows.extend(list(r.values()) for r in batch.to_pylist())
    return rows


def prefetch_tasks() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if not t.done() and "SeriesPrefetch" in repr(t.get_coro())]


async def test_archive_files_download_while_the_markets_request_is_still_answering(
    archived, exchange_emulator
):
    service, emu = archived, exchange_emulator
    emu.inject("binance", "timeout", endpoint="markets", delay_s=1.0)  # answered after 1 s (client: 2 s)
    start, end = ms(2025, 2, 1), ms(2025, 6, 1)
    opening = asyncio.ensure_future(service.open(BTC, start, end))
    while not opening.done() and archive_count(emu, "monthly") == 0:  # noqa: ASYNC110 (the emulator's counter)
        await asyncio.sleep(0.01)
    assert not opening.done(), "no archive request reached the emulator before the markets answer"
    assert await service.store.missing(BTC, start, end) == [(start, end)]  # nothing stored yet
    stream = await opening
    assert await read_all(stream) == truth(emu, start, end)
    assert archive_count(emu, "monthly") == 4  # the prefetched files were used, not fetched again
    assert archive_count(emu, "checksum") == 4
    assert klines(emu) == 0 and stream.tally.archive_files == 4
    assert prefetch_tasks() == []


async def test_an_unknown_symbol_raises_stores_nothing_and_cancels_its_downloads(archived, exchange_emulator):
    service, emu = archived, exchange_emulator
    for month in (2, 3):
        emu.archive.fault(f"DOGEUSDT-1m-2025-0{month}.zip", "slow")
    emu.archive.slow_s = 5.0  # still downloading when the market check fails
    start, end = ms(2025, 2, 1), ms(2025, 4, 1)
    with pytest.raises(CoinNotAvailableError):
        await service.open(DOGE, start, end)
    await asyncio.sleep(0)  # let the cancellations land
    assert prefetch_tasks() == []
    assert archive_count(emu, "checksum") >= 1  # the prefetch had started
    assert await service.store.catalog() == []
    assert await service.store.missing(DOGE, start, end) == [(start, end)]


async def test_a_file_another_request_stored_meanwhile_is_taken_once_and_not_stored_twice(
    archived, exchange_emulator
):
    service, emu = archived, exchange_emulator
    start, end = ms(2025, 2, 1), ms(2025, 6, 1)
    wide = await service.open(BTC, start, end)  # prefetching February .. May
    march = await service.open(BTC, ms(2025, 3, 1), ms(2025, 4, 1))  # shares the prefetch
    assert await read_all(march) == truth(emu, ms(2025, 3, 1), ms(2025, 4, 1))
    assert march.tally.archive_files == 1
    assert await read_all(wide) == truth(emu, start, end)
    assert wide.tally.archive_files == 3 and wide.tally.writes == 3  # March is not stored again
    assert archive_count(emu, "monthly") == 4  # every file downloaded once, March by the prefetch
    assert klines(emu) == 0


async def test_a_prefetched_file_stored_by_another_instance_is_dropped(
    archived, local_backend, exchange_registry, exchange_emulator
):
    service, emu = archived, exchange_emulator
    other = archive_service(local_backend, exchange_registry, emu, emu.archive_url, timeout_s=30)
    start, end = ms(2025, 2, 1), ms(2025, 6, 1)
    try:
        wide = await service.open(BTC, start, end)
        march = await other.open(BTC, ms(2025, 3, 1), ms(2025, 4, 1))  # its own prefetch
        assert await read_all(march) == truth(emu, ms(2025, 3, 1), ms(2025, 4, 1))
        assert await read_all(wide) == truth(emu, start, end)
    finally:
        assert other.archives is not None
        await other.archives.close()
    assert wide.tally.archive_files == 3 and wide.tally.writes == 3  # its own March was dropped
    assert archive_count(emu, "monthly") == 5  # this instance's March prefetch, wasted but not stored
    assert klines(emu) == 0


async def test_a_month_of_daily_files_is_stored_in_one_write_with_progress_per_file(
    archived, exchange_emulator
):
    # December 2025's monthly file is not due yet at "now" (2026-01-01 12:00): 31 daily files, of
    # which the 10th is missing and the 20th has a hole; REST fills both, the rest is one write
    service, emu = archived, exchange_emulator
    emu.archive.fault("BTCUSDT-1m-2025-12-10.zip", "missing")
    hole = ms(2025, 12, 20) + 33 * MIN
    emu.archive.holes.add(hole)
    start, end = ms(2025, 12, 1), ms(2026, 1, 1)
    progress = []
    stream = await service.open(BTC, start, end)
    rows = []
    async for batch in stream.batches(progress.append):
        rows.extend(list(r.values()) for r in batch.to_pylist())
    assert rows == truth(emu, start, end)
    assert stream.tally.archive_files == 30
    assert stream.tally.writes == 1 + 2  # the archive's one, then REST's two spans
    assert klines(emu) == math.ceil(1440 / LIMIT) + 1
    archive_known = [p.known for p in progress[1:31]]
    assert len(set(archive_known)) == 30 and archive_known == sorted(archive_known)
    assert await service.store.missing(BTC, start, end) == []
    assert hole in {r[0] for r in rows} and NOW_SLOT > end


async def test_a_stream_dropped_unread_cancels_its_downloads_and_stores_nothing(archived, exchange_emulator):
    service, emu = archived, exchange_emulator
    emu.archive.fault("BTCUSDT-1m-2025-03.zip", "slow")
    emu.archive.slow_s = 5.0
    start, end = ms(2025, 2, 1), ms(2025, 5, 1)
    stream = await service.open(BTC, start, end)
    assert prefetch_tasks() != []
    del stream  # the request ends without reading (a client that went away)
    for _ in range(5):  # the release runs on the loop (the collector may run on any thread)
        await asyncio.sleep(0)
    assert prefetch_tasks() == []
    assert await service.store.missing(BTC, start, end) == [(start, end)]


async def test_a_sync_takes_its_archive_days_from_the_prefetch(archived, exchange_emulator):
    # backfill: the 30 days before "now" (2026-01-01 12:00): 2025-12-02 12:00 .. 12:00 today
    service, emu = archived, exchange_emulator
    result = await service.sync(BTC)
    assert result.start == ms(2025, 12, 2) + 720 * MIN
    assert await service.store.missing(BTC, result.start, result.end) == []
    assert archive_count(emu, "daily") == archive_count(emu, "checksum") == 29  # each whole day once
    assert klines(emu) == 2  # REST: the first half day and today's 720 minutes
    assert prefetch_tasks() == []
