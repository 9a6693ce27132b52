"""Where candles live: one Hive-style key set for every timeframe, read whole by DuckDB, pandas or Spark.

    ohlcv/exchange=binance/symbol=BTC-USDT/timeframe=1m/year=2024/2024-01.parquet

The keys are the same for every timeframe (``exchange``, ``symbol``, ``timeframe``, ``year``), so a
whole-lake ``read_parquet('ohlcv/**/*.parquet', hive_partitioning=true)`` works, and every key value
is true for every row inside (a candle's ``year`` is the UTC year it opens in): a filter on a key
never skips a matching row. Inside its ``year=`` folder a series keeps one file per calendar span,
chosen per timeframe so a file stays between thousands and tens of thousands of candles:

| timeframe        | file per | name             | candles per full file |
|------------------|----------|------------------|-----------------------|
| < 1m  (1s, 30s)  | day      | ``2024-01-31``   | 86,400 .. 2,880       |
| 1m .. < 30m      | month    | ``2024-01``      | 44,640 .. 2,976       |
| >= 30m           | year     | ``2024``         | 17,568 .. 1 (1y)      |

A candle belongs to the file whose span contains its opening timestamp (UTC). The layout's version
is written in ``MARKER_KEY``; layout 1 (per-timeframe keys ``month=``/``day=``/``decade=`` and files
named ``part.parquet``) is recognised here only so that ``cbdata store migrate`` can move it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from shared.series import SeriesKey, decode_symbol, encode_symbol

ROOT = "ohlcv/"
VERSION = 2
# '_' first: Spark and Hive skip it, and DuckDB's '*.parquet' glob does not match it
MARKER_KEY = f"{ROOT}_layout.json"
SUFFIX = ".parquet"
LEGACY_FILE_NAME = "part.parquet"
_MINUTE, _HALF_HOUR = 60_000, 1_800_000


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
    return _ms(datetime(d.year, 1, 1, tzinfo=UTC)), _ms(datetime(d.year + 1, 1, 1, tzinfo=UTC))


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
        name = f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    elif tf_ms < _HALF_HOUR:
        name = f"{d.year:04d}-{d.month:02d}"
    else:
        name = f"{d.year:04d}"
    return f"{series_prefix(series)}year={d.year:04d}/{name}{SUFFIX}"


def parse_series(key: str) -> SeriesKey | None:
    """The series a current-layout object key belongs to, or ``None`` for keys outside the layout."""
    parts = key.split("/")
    if len(parts) != 6 or not parts[4].startswith("year=") or not _is_partition_file(parts[5]):
        return None
    return _series_of(parts)


def is_legacy_key(key: str) -> bool:
    """Whether ``key`` is a candle partition of layout 1 (what ``cbdata store migrate`` moves)."""
    parts = key.split("/")
    return len(parts) >= 5 and parts[-1] == LEGACY_FILE_NAME and _series_of(parts) is not None


def legacy_series(key: str) -> SeriesKey | None:
    """The series a layout-1 object key belongs to, or ``None``."""
    parts = key.split("/")
    return _series_of(parts) if len(parts) >= 5 and parts[-1] == LEGACY_FILE_NAME else None


def _is_partition_file(name: str) -> bool:
    return name.endswith(SUFFIX) and name != LEGACY_FILE_NAME and not name.startswith("_")


def _series_of(parts: list[str]) -> SeriesKey | None:
    if parts[0] + "/" != ROOT:
        return None
    fields = dict(p.split("=", 1) for p in parts[1:4] if "=" in p)
    try:
        return SeriesKey(fields["exchange"], decode_symbol(fields["symbol"]), fields["timeframe"])
    except Exception:  # a foreign object in the container: not ours to interpret
        return None
