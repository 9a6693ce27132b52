"""Where candles live: a Hive-style layout that DuckDB, pandas or Spark read straight from the container.

    ohlcv/exchange=binance/symbol=BTC-USDT/timeframe=1m/year=2024/month=01/part.parquet

A partition holds one calendar span chosen per timeframe so that it stays between thousands and tens
of thousands of candles (a full partition of 1m candles is 44,640 rows, about 0.9 MB):

| timeframe        | partition | keys                       | candles per partition |
|------------------|-----------|----------------------------|-----------------------|
| < 1m  (1s, 30s)  | day       | year=/month=/day=          | 86,400 .. 2,880       |
| 1m .. < 30m      | month     | year=/month=               | 44,640 .. 2,976       |
| 30m .. < 6h      | year      | year=                      | 17,568 .. 2,196       |
| >= 6h            | decade    | decade=                    | 14,612 .. 522         |

A candle belongs to the partition that contains its opening timestamp (UTC).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from shared.series import SeriesKey, decode_symbol, encode_symbol

ROOT = "ohlcv/"
FILE_NAME = "part.parquet"
_MINUTE, _HALF_HOUR, _SIX_HOURS = 60_000, 1_800_000, 21_600_000


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def partition_bounds(ts_ms: int, tf_ms: int) -> tuple[int, int]:
    """``[start, end)`` of the partition holding a candle that opens at ``ts_ms``."""
    d = _dt(ts_ms)
    if tf_ms < _MINUTE:
        start = datetime(d.year, d.month, d.day, tzinfo=UTC)
        return _ms(start), _ms(start) + 86_400_000
    if tf_ms < _HALF_HOUR:
        start = datetime(d.year, d.month, 1, tzinfo=UTC)
        nxt = datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC)
        return _ms(start), _ms(nxt)
    if tf_ms < _SIX_HOURS:
        return _ms(datetime(d.year, 1, 1, tzinfo=UTC)), _ms(datetime(d.year + 1, 1, 1, tzinfo=UTC))
    decade = d.year - d.year % 10
    return _ms(datetime(decade, 1, 1, tzinfo=UTC)), _ms(datetime(decade + 10, 1, 1, tzinfo=UTC))


def partitions(start_ms: int, end_ms: int, tf_ms: int) -> Iterator[tuple[int, int]]:
    """The partitions overlapping ``[start_ms, end_ms)``, in time order."""
    cursor = start_ms
    while cursor < end_ms:
        bounds = partition_bounds(cursor, tf_ms)
        yield bounds
        cursor = bounds[1]


def series_prefix(series: SeriesKey) -> str:
    return (
        f"{ROOT}exchange={series.exchange}/symbol={encode_symbol(series.symbol)}/"
        f"timeframe={series.timeframe}/"
    )


def partition_key(series: SeriesKey, partition_start_ms: int) -> str:
    d = _dt(partition_start_ms)
    tf_ms = series.tf_ms
    if tf_ms < _MINUTE:
        part = f"year={d.year:04d}/month={d.month:02d}/day={d.day:02d}"
    elif tf_ms < _HALF_HOUR:
        part = f"year={d.year:04d}/month={d.month:02d}"
    elif tf_ms < _SIX_HOURS:
        part = f"year={d.year:04d}"
    else:
        part = f"decade={d.year:04d}"
    return f"{series_prefix(series)}{part}/{FILE_NAME}"


def parse_series(key: str) -> SeriesKey | None:
    """The series an object key belongs to, or ``None`` for keys outside the layout."""
    parts = key.split("/")
    if len(parts) < 5 or parts[0] + "/" != ROOT or parts[-1] != FILE_NAME:
        return None
    fields = dict(p.split("=", 1) for p in parts[1:4] if "=" in p)
    try:
        return SeriesKey(fields["exchange"], decode_symbol(fields["symbol"]), fields["timeframe"])
    except Exception:  # a foreign object in the container: not ours to interpret
        return None
