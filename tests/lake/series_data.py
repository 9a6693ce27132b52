"""A small store of several exchanges, symbols and timeframes, with gaps, for the lake tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.series import SeriesKey


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def candles(
    series: SeriesKey, start: int, count: int, skip: frozenset[int] = frozenset()
) -> list[list[float]]:
    tf = series.tf_ms
    return [
        [start + i * tf, 100.0 + i, 101.5 + i, 99.25 + i, 100.5 + i, 0.125 * (i % 7)]
        for i in range(count)
        if i not in skip
    ]


# (series, rows, coverage): spans across partition boundaries of both layouts, no-trade gaps
# (covered but without a row) and an uncovered hole
def dataset() -> list[tuple[SeriesKey, list[list[float]], list[tuple[int, int]]]]:
    m1 = SeriesKey("binance", "BTC/USDT", "1m")
    m1_start = ms(2024, 1, 31, 23)
    h1 = SeriesKey("binance", "ETH/USDT", "1h")
    h1_start = ms(2023, 12, 31, 20)
    d1 = SeriesKey("okx", "ETH/USDT:USDT", "1d")
    d1_start = ms(2023, 12, 20)
    s1 = SeriesKey("okx", "BTC/USDT", "1s")
    s1_start = ms(2024, 2, 29, 23, 59, 30)
    return [
        (m1, candles(m1, m1_start, 120, frozenset({5, 6})), [(m1_start, m1_start + 120 * 60_000)]),
        (h1, candles(h1, h1_start, 10), [(h1_start, h1_start + 10 * 3_600_000)]),
        (
            d1,
            candles(d1, d1_start, 30, frozenset({12})),
            [
                (d1_start, d1_start + 20 * 86_400_000),
                (d1_start + 21 * 86_400_000, d1_start + 30 * 86_400_000),
            ],
        ),
        (s1, candles(s1, s1_start, 60), [(s1_start, s1_start + 60_000)]),
    ]
