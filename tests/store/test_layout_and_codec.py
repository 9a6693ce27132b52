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
    assert key == "ohlcv/exchange=binance/symbol=BTC-USDT/timeframe=1m/year=2024/month=01/part.parquet"
    assert layout.parse_series(key) == series


@pytest.mark.parametrize(
    ("timeframe", "ts", "bounds", "suffix"),
    [
        (
            "1s",
            ms(2024, 2, 29, 13),
            (ms(2024, 2, 29), ms(2024, 3, 1)),
            "year=2024/month=02/day=29/part.parquet",
        ),
        (
            "1m",
            ms(2024, 12, 31, 23, 59),
            (ms(2024, 12, 1), ms(2025, 1, 1)),
            "year=2024/month=12/part.parquet",
        ),
        ("15m", ms(2024, 3, 5), (ms(2024, 3, 1), ms(2024, 4, 1)), "year=2024/month=03/part.parquet"),
        ("1h", ms(2023, 6, 1), (ms(2023, 1, 1), ms(2024, 1, 1)), "year=2023/part.parquet"),
        ("1d", ms(2024, 6, 1), (ms(2020, 1, 1), ms(2030, 1, 1)), "decade=2020/part.parquet"),
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
    assert layout.parse_series("other/exchange=x/symbol=A/timeframe=1m/year=2024/part.parquet") is None


def test_codec_round_trip_keeps_rows_and_coverage_and_footer_summary():
    rows = [[60_000 * i, 1.5, 2.0, 1.0, 1.75, 0.12345678] for i in range(1, 100)]
    table = codec.rows_to_table(rows)
    data = codec.encode(table, [(60_000, 6_000_000), (0, 60_000)])
    decoded, coverage = codec.decode(data)
    assert decoded.equals(table)
    assert coverage == [(0, 6_000_000)]
    summary = codec.summarize_footer(data[-4096:])
    assert (summary.rows, summary.first_ts, summary.last_ts) == (99, 60_000, 99 * 60_000)
    assert summary.coverage == [(0, 6_000_000)]
    # Plain readers see the documented schema: int64 timestamps, float64 prices and volume.
    schema = pq.read_schema(pa.BufferReader(data))
    assert schema.field("timestamp").type == pa.int64()
    assert all(schema.field(c).type == pa.float64() for c in codec.COLUMNS[1:])


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
