"""Archive first, REST for the rest: exact candles at every seam and under every archive fault."""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import UTC, datetime

import pytest

from shared.fetch.service import CandleService
from tests.fetch.helpers import BTC, LIMIT, MIN, NOW_SLOT, archive_service, fetch_rows, klines

DAY = 86_400_000


def ms(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, tzinfo=UTC).timestamp() * 1000)


def truth(emu, start, end):
    return emu.ground_truth("binance", "BTC/USDT", "1m", start, end)


def archive_count(emu, kind: str) -> int:
    return emu.counts[("archive", kind)]


@pytest.fixture
def service(archived: CandleService) -> CandleService:
    return archived  # every test here reads the archive (tests/fetch/conftest.py)


async def test_months_days_and_rest_meet_exactly_across_the_seams(service, exchange_emulator):
    # 2024-12-15 .. now (2026-01-01 12:00): daily files for 2024-12-15..31 (milliseconds), monthly files
    # for 2025-01..11 (microseconds from 2025-01-01), daily for December 2025 (its monthly file is due
    # after the first Monday of January), REST for today only.
    start = ms(2024, 12, 15)
    progress = []
    rows = await fetch_rows(service, BTC, start, NOW_SLOT, progress=progress.append)
    assert rows == truth(exchange_emulator, start, NOW_SLOT)
    assert archive_count(exchange_emulator, "monthly") == 11
    assert archive_count(exchange_emulator, "daily") == 17 + 31
    assert klines(exchange_emulator) == math.ceil((NOW_SLOT - ms(2026, 1, 1)) / MIN / LIMIT)
    assert await service.store.missing(BTC, start, NOW_SLOT) == []
    known = [p.known for p in progress]
    assert known == sorted(known) and len(set(known)) > 11 + 48 and known[-1] == progress[-1].total


async def test_the_last_published_day_comes_from_the_archive_and_an_unpublished_one_from_rest(
    service, exchange_emulator
):
    exchange_emulator.archive.daily_lag_hours = 14  # 2025-12-31's file appears at 14:00; now is 12:00
    start = ms(2025, 12, 29)
    rows = await fetch_rows(service, BTC, start, NOW_SLOT)
    assert rows == truth(exchange_emulator, start, NOW_SLOT)
    assert archive_count(exchange_emulator, "daily") == 3  # the 29th and 30th, and a 404 for the 31st
    assert archive_count(exchange_emulator, "checksum") == 3  # (the zip and its CHECKSUM asked together)
    assert klines(exchange_emulator) == math.ceil((NOW_SLOT - ms(2025, 12, 31)) / MIN / LIMIT)
    assert await service.store.missing(BTC, start, NOW_SLOT) == []  # the 404 is not a gap


@pytest.mark.parametrize("kind", ["bad_checksum", "truncated"])
async def test_a_rejected_monthly_file_is_filled_by_rest_and_nothing_of_it_is_stored(
    kind, service, exchange_emulator, caplog
):
    exchange_emulator.archive.fault("BTCUSDT-1m-2025-03.zip", kind)
    start, end = ms(2025, 2, 1), ms(2025, 5, 1)
    with caplog.at_level(logging.WARNING):
        rows = await fetch_rows(service, BTC, start, end)
    assert rows == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil(31 * 1440 / LIMIT)  # March alone, by REST
    assert await service.store.missing(BTC, start, end) == []
    assert any("BTCUSDT-1m-2025-03.zip" in r.getMessage() for r in caplog.records)


async def test_a_file_too_slow_to_arrive_is_filled_by_rest(
    local_backend, exchange_registry, exchange_emulator, caplog
):
    emu = exchange_emulator
    emu.archive.fault("BTCUSDT-1m-2025-03-05.zip", "slow")
    emu.archive.slow_s = 3.0
    service = archive_service(local_backend, exchange_registry, emu, emu.archive_url, timeout_s=1.5)
    start, end = ms(2025, 3, 4), ms(2025, 3, 7)
    try:
        with caplog.at_level(logging.WARNING):
            rows = await fetch_rows(service, BTC, start, end)
    finally:
        assert service.archives is not None
        await service.archives.close()
    assert rows == truth(emu, start, end)
    assert await service.store.missing(BTC, start, end) == []
    assert klines(emu) >= 2  # at least the slow day, by REST
    assert any("BTCUSDT-1m-2025-03-05.zip" in r.getMessage() for r in caplog.records)


async def test_a_missing_monthly_file_is_read_from_its_daily_files(service, exchange_emulator):
    exchange_emulator.archive.fault("BTCUSDT-1m-2025-03.zip", "missing")
    exchange_emulator.archive.fault("BTCUSDT-1m-2025-03-10.zip", "missing")
    start, end = ms(2025, 3, 1), ms(2025, 4, 1)
    rows = await fetch_rows(service, BTC, start, end)
    assert rows == truth(exchange_emulator, start, end)
    assert archive_count(exchange_emulator, "daily") == 31  # the 10th's a 404, like its CHECKSUM
    assert archive_count(exchange_emulator, "checksum") == 1 + 31
    assert klines(exchange_emulator) == 2  # the day with no file: 1440 candles
    assert await service.store.missing(BTC, start, end) == []


async def test_a_hole_in_a_file_is_asked_of_rest_and_a_confirmed_gap_recorded(service, exchange_emulator):
    start, end = ms(2025, 6, 1), ms(2025, 7, 1)
    traded, quiet = ms(2025, 6, 10) + 7 * MIN, ms(2025, 6, 20) + 9 * MIN
    exchange_emulator.archive.holes.update({traded, quiet})
    exchange_emulator.series("binance", "BTC/USDT").gaps.append((quiet, quiet + MIN))  # no trade there
    rows = await fetch_rows(service, BTC, start, end)
    assert rows == truth(exchange_emulator, start, end)
    assert traded in {r[0] for r in rows} and quiet not in {r[0] for r in rows}
    assert klines(exchange_emulator) == 2  # one window per hole
    assert await service.store.missing(BTC, start, end) == []  # REST confirmed the quiet minute


async def test_an_unreachable_archive_host_hands_everything_to_rest_logged_once(
    local_backend, exchange_registry, exchange_emulator, caplog
):
    # nothing listens on port 9 of the loopback
    service = archive_service(local_backend, exchange_registry, exchange_emulator, "http://127.0.0.1:9", 5)
    start, end = ms(2025, 5, 25), ms(2025, 6, 5)
    try:
        with caplog.at_level(logging.WARNING):
            rows = await fetch_rows(service, BTC, start, end)
    finally:
        assert service.archives is not None
        await service.archives.close()
    assert rows == truth(exchange_emulator, start, end)
    assert klines(exchange_emulator) == math.ceil((end - start) / MIN / LIMIT)
    assert sum("unreachable" in r.getMessage() for r in caplog.records) == 1


async def test_an_archive_pass_stopped_half_way_keeps_the_files_that_arrived(service, exchange_emulator):
    # the files of one partition are stored together once all have come; a pass stopped before
    # that (here: its reader goes away) still stores those that came, as REST keeps its pages
    emu = exchange_emulator
    emu.archive.fault("BTCUSDT-1m-2025-03-10.zip", "slow")
    emu.archive.slow_s = 30.0
    start, end = ms(2025, 2, 1), ms(2025, 3, 11)  # February's monthly file, then 10 daily ones
    reading = asyncio.create_task(fetch_rows(service, BTC, start, end))
    async with asyncio.timeout(30):
        while archive_count(emu, "daily") < 10:  # noqa: ASYNC110  # the emulator's count
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)  # the nine fast days parsed and held, the tenth still on its way
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert await service.store.missing(BTC, start, end) == [(ms(2025, 3, 10), end)]
