"""The Hive layout, partition spans and the Parquet codec on their own."""

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shared.series import SeriesKey
from shared.store import layout
from shared.store import parquet_codec as codec


def ms(*args):
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_partition_key_is_hive_style():
    series = SeriesKey("binance", "BTC/USDT", "1m")
    key = layout.partition_key(series, ms(2024, 1, 1))
    assert key == "ohlcv/exchange=binance/symbol=BTC-USDT/timeframe=1m/year=2024/2024-01.parquet"
    assert layout.parse_series(key) == series
    assert not layout.is_legacy_key(key)


@pytest.mark.parametrize(
    ("timeframe", "ts", "bounds", "suffix"),
    [
        (
            "1s",
            ms(2024, 2, 29, 13),
            (ms(2024, 2, 29), ms(2024, 3, 1)),
            "year=2024/2024-02-29.parquet",
        ),
        (
            "1m",
            ms(2024, 12, 31, 23, 59),
            (ms(2024, 12, 1), ms(2025, 1, 1)),
            "year=2024/2024-12.parquet",
        ),
        ("15m", ms(2024, 3, 5), (ms(2024, 3, 1), ms(2024, 4, 1)), "year=2024/2024-03.parquet"),
        ("1h", ms(2023, 6, 1), (ms(2023, 1, 1), ms(2024, 1, 1)), "year=2023/2023.parquet"),
        ("1d", ms(2024, 6, 1), (ms(2024, 1, 1), ms(2025, 1, 1)), "year=2024/2024.parquet"),
        ("1w", ms(2024, 12, 30), (ms(2024, 1, 1), ms(2025, 1, 1)), "year=2024/2024.parquet"),
    ],
)
def test_partition_spans_per_timeframe(timeframe, ts, bounds, suffix):
    series = SeriesKey("okx", "ETH/USDT:USDT", timeframe)
    tf = series.tf_ms
    assert layout.partition_bounds(ts, tf) == bounds
    assert layout.partition_key(series, bounds[0]).endswith(suffix)
    assert "symbol=ETH-USDT%3AUSDT/" in layout.partition_key(series, bounds[0])


def test_partitions_cover_a_range_in_order():
    parts = list(layout.partitions(ms(2024, 1, 15), ms(2024, 4, 1), 60_000))
    assert parts == [(ms(2024, m, 1), ms(2024, m + 1, 1)) for m in (1, 2, 3)]


def test_foreign_keys_are_not_series():
    assert layout.parse_series("ohlcv/readme.txt") is None
    assert layout.parse_series("other/exchange=x/symbol=A/timeframe=1m/year=2024/2024.parquet") is None
    assert layout.parse_series(layout.MARKER_KEY) is None


def test_layout_1_keys_are_recognised_for_the_migration_only():
    old = "ohlcv/exchange=binance/symbol=BTC-USDT/timeframe=1d/decade=2020/part.parquet"
    assert layout.parse_series(old) is None
    assert layout.is_legacy_key(old)
    assert layout.legacy_series(old) == SeriesKey("binance", "BTC/USDT", "1d")
    assert not layout.is_legacy_key("ohlcv/readme/part.parquet")


def test_codec_round_trip_keeps_rows_and_coverage_and_footer_summary():
    rows = [[60_000 * i, 1.5, 2.0, 1.0, 1.75, 0.12345678] for i in range(1, 100)]
    table = codec.rows_to_table(rows)
    series = SeriesKey("okx", "ETH/USDT:USDT", "1m")
    data = codec.encode(table, [(60_000, 6_000_000), (0, 60_000)], series)
    decoded, coverage = codec.decode(data)
    assert decoded.equals(table)
    assert coverage == [(0, 6_000_000)]
    summary = codec.summarize_footer(data[-4096:])
    assert (summary.rows, summary.first_ts, summary.last_ts) == (99, 60_000, 99 * 60_000)
    assert summary.coverage == [(0, 6_000_000)]
    # Plain readers see the documented schema: UTC millisecond times, float64 prices, the series.
    plain = pq.read_table(pa.BufferReader(data))
    assert plain.schema.field("timestamp").type == pa.timestamp("ms", tz="UTC")
    assert all(plain.schema.field(c).type == pa.float64() for c in codec.COLUMNS[1:])
    assert set(plain.column("ccxt_symbol").to_pylist()) == {"ETH/USDT:USDT"}
    assert set(plain.column("ccxt_exchange").to_pylist()) == {"okx"}


def test_format_1_files_still_decode():
    """What layout 1 wrote (int64 timestamps, no series columns) reads back the same, to migrate it."""
    table = codec.rows_to_table([[60_000, 1, 2, 0.5, 1.5, 3]])
    sink = pa.BufferOutputStream()
    metadata = {codec.COVERAGE_KEY: b"[[0,120000]]", codec.FORMAT_KEY: b"1"}
    pq.write_table(table.replace_schema_metadata(metadata), sink, write_statistics=["timestamp"])
    data = sink.getvalue().to_pybytes()
    decoded, coverage = codec.decode(data)
    assert decoded.equals(table) and coverage == [(0, 120_000)]
    summary = codec.summarize_footer(data)
    assert (summary.rows, summary.first_ts, summary.last_ts) == (1, 60_000, 60_000)


def test_merge_sorts_dedupes_and_newest_wins():
    stored = codec.rows_to_table([[120_000, 1, 1, 1, 1, 1], [60_000, 2, 2, 2, 2, 2]])
    fresh = codec.rows_to_table([[120_000, 9, 9, 9, 9, 9], [180_000, 3, 3, 3, 3, 3]])
    merged = codec.merge(stored, fresh).to_pylist()
    assert [r["timestamp"] for r in merged] == [60_000, 120_000, 180_000]
    assert merged[1]["open"] == 9


def test_unreadable_coverage_metadata_is_a_storage_error():
    from shared.errors import StorageError

    table = codec.rows_to_table([[60_000, 1, 1, 1, 1, 1]])
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata({codec.COVERAGE_KEY: b"[[1, oops]]"}), sink)
    with pytest.raises(StorageError, match="coverage"):
        codec.decode(sink.getvalue().to_pybytes())
