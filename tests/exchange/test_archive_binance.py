"""Binance archive paths, calendar, units and row checks (pure functions; the fetch tests use the emulator)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from shared.exchange.archive import ArchiveCorrupt, ArchiveFile, PublicationLag
from shared.exchange.archive.binance import BinanceArchive, market_path, proxy_from
from shared.exchange.archive.kline_zip import holes, parse_zip
from shared.exchange.archive.source import first_monday_after, periods

MIN = 60_000
DAY = 86_400_000


def ms(y: int, m: int, d: int, h: int = 0) -> int:
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp() * 1000)


def zipped(text: str, name: str = "X.csv") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, text)
    return out.getvalue()


def line(t: int, o: float = 10.0, h: float = 12.0, lo: float = 9.0, c: float = 11.0, v: float = 1.0) -> str:
    return f"{t},{o},{h},{lo},{c},{v},{t + 59_999},1,1,1,1,0\n"


def test_markets_map_to_spot_and_usd_m_futures_paths() -> None:
    assert market_path("BTC/USDT") == ("spot", "BTCUSDT")
    assert market_path("BTC/USDT:USDT") == ("futures/um", "BTCUSDT")
    assert market_path("BTC/USD:BTC") is None  # coin-margined: not this archive
    assert market_path("BTC/USDT:USDT-250627") is None  # dated future
    archive = BinanceArchive("https://h.example/")
    [spot] = archive.plan("BTC/USDT", "1m", [(ms(2024, 3, 1), ms(2024, 4, 1))], ms(2024, 6, 1))
    assert spot.url == "https://h.example/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip"
    [fut] = archive.plan("BTC/USDT:USDT", "1h", [(ms(2024, 3, 5), ms(2024, 3, 6))], ms(2024, 6, 1))
    assert fut.url == "https://h.example/data/futures/um/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-03-05.zip"
    assert [f.name for f in archive.days_of(spot, "BTC/USDT", "1m")][:2] == [
        "BTCUSDT-1m-2024-03-01.zip", "BTCUSDT-1m-2024-03-02.zip"
    ]  # fmt: skip


def test_only_files_that_should_be_published_are_planned() -> None:
    lag = PublicationLag(daily_hours=8, monthly_hours=24)
    assert first_monday_after(ms(2026, 1, 1)) == ms(2026, 1, 5)
    now = ms(2026, 1, 5, 12)  # monthly December file not due before 2026-01-06 00:00
    got = periods([(ms(2025, 11, 1), now)], now, lag)
    assert got[0] == (ms(2025, 11, 1), ms(2025, 12, 1), True)
    assert [p[0] for p in got[1:]] == [ms(2025, 12, 1) + i * DAY for i in range(35)]  # to Jan 4
    assert all(not monthly for *_, monthly in got[1:])
    # a day only partly missing is left to REST; a day after now - lag is not asked for
    assert periods([(ms(2025, 6, 1, 3), ms(2025, 6, 3))], ms(2025, 6, 3, 9), lag) == [
        (ms(2025, 6, 2), ms(2025, 6, 2) + DAY, False)
    ]


@pytest.mark.parametrize("header", [True, False])
def test_units_follow_the_date_rule_not_the_magnitude(header: bool) -> None:
    head = "open_time,open,high,low,close,volume,close_time,quote_volume,count,tbv,tbqv,ignore\n"
    day = ms(2025, 1, 1)
    spot = ArchiveFile("s.zip", "u/data/spot/x", day, day + 3 * MIN, False)
    text = (head if header else "") + "".join(line((day + i * MIN) * 1000) for i in range(3))
    rows = parse_zip(zipped(text), spot, MIN, microseconds=True)
    assert (
        rows.table.column("timestamp").to_pylist() == [day, day + MIN, day + 2 * MIN] and rows.uncovered == []
    )
    # the same file read as milliseconds holds nothing inside its day: all of it stays uncovered
    as_ms = parse_zip(zipped(text), spot, MIN, microseconds=False)
    assert as_ms.table.num_rows == 0 and as_ms.uncovered == [(day, day + 3 * MIN)]


def test_rows_are_checked_like_rest_rows_and_holes_stay_uncovered() -> None:
    day = ms(2024, 6, 1)
    file = ArchiveFile("f.zip", "u", day, day + 6 * MIN, False)
    text = (
        line(day)
        + line(day + MIN, h=10.5)  # high below close
        + line(day + 3 * MIN) + line(day + 3 * MIN, c=11.5)  # two different rows for one slot
        + line(day + 4 * MIN + 1)  # misaligned
        + line(day + 5 * MIN)
    )  # fmt: skip
    rows = parse_zip(zipped(text), file, MIN, microseconds=False)
    assert rows.table.column("timestamp").to_pylist() == [day, day + 5 * MIN]
    assert rows.uncovered == [(day + MIN, day + 5 * MIN)]


def test_a_broken_zip_is_corrupt() -> None:
    file = ArchiveFile("f.zip", "u", 0, DAY, False)
    with pytest.raises(ArchiveCorrupt, match=r"f\.zip"):
        parse_zip(zipped(line(0))[:40], file, MIN, microseconds=False)


def test_holes_are_spans_of_missing_slots() -> None:
    import numpy as np

    assert holes(np.array([0, 2 * MIN, 3 * MIN]), 0, 6 * MIN, MIN) == [(MIN, 2 * MIN), (4 * MIN, 6 * MIN)]


def test_the_proxy_comes_from_the_ccxt_options() -> None:
    assert proxy_from({"httpsProxy": "http://proxy:8080"}) == "http://proxy:8080"
    assert proxy_from({"aiohttp_proxy": "http://p:1"}) == "http://p:1"
    assert proxy_from({}) is None


def test_a_day_is_not_asked_for_before_its_lag_has_passed() -> None:
    lag = PublicationLag(daily_hours=8)
    assert periods([(ms(2025, 6, 2), ms(2025, 6, 3))], ms(2025, 6, 3, 7), lag) == []


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_a_zip_damaged_inside_its_data_is_corrupt(where: float, method: int) -> None:
    # the CSV is decompressed while pyarrow reads it: damage found mid-stream (a zlib error, a bad
    # CRC) must still end as ArchiveCorrupt naming the file, never as a half-read table
    text = "".join(line(i * MIN, v=1.0 + i % 7) for i in range(3_000))
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=method) as archive:
        archive.writestr("X.csv", text)
    data = bytearray(sink.getvalue())
    at = int(len(data) * where * 0.8)  # inside the compressed member, before the central directory
    data[at : at + 16] = bytes(16)
    file = ArchiveFile("g.zip", "u", 0, DAY, False)
    with pytest.raises(ArchiveCorrupt, match=r"g\.zip"):
        parse_zip(bytes(data), file, MIN, microseconds=False)
