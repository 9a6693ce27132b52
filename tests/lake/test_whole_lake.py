"""The store read whole by DuckDB and pandas, as a quant would, on local files and on Azurite.

DuckDB's azure extension is downloaded at first use, which the tests cannot do offline: for Azurite the
blobs are downloaded to a folder first, byte for byte, and read from there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from shared.storage.backend import StorageBackend
from shared.storage.local_backend import LocalFileBackend
from shared.store import CandleStore, layout
from tests.lake.series_data import dataset, ms


async def lake_folder(backend: StorageBackend, tmp_path: Path) -> Path:
    store = CandleStore(backend)
    for series, rows, coverage in dataset():
        for span in coverage:
            await store.write(series, [r for r in rows if span[0] <= r[0] < span[1]], span)
        outside = [r for r in rows if not any(s <= r[0] < e for s, e in coverage)]
        for r in outside:  # a stored row whose slot is not covered
            await store.write(
                series, [r], (r[0], r[0] + series.tf_ms), uncovered=[(r[0], r[0] + series.tf_ms)]
            )
    if isinstance(backend, LocalFileBackend):
        return tmp_path / "store"  # the local_backend fixture's root
    folder = tmp_path / "downloaded"
    for info in await backend.list(layout.ROOT):
        obj = await backend.read(info.key)
        assert obj is not None
        (folder / info.key).parent.mkdir(parents=True, exist_ok=True)
        (folder / info.key).write_bytes(obj.data)
    return folder


EXPECTED_ROWS = sum(len(rows) for _, rows, _ in dataset())
D1_2024 = sum(1 for s, rows, _ in dataset() if s.timeframe == "1d" for r in rows if r[0] >= ms(2024, 1, 1))


@pytest.fixture
async def lake(backend, tmp_path) -> Path:
    return await lake_folder(backend, tmp_path)


def test_duckdb_reads_the_whole_lake(lake):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    src = f"read_parquet('{lake}/ohlcv/**/*.parquet', hive_partitioning = true)"
    assert con.execute(f"SELECT count(*) FROM {src}").fetchone() == (EXPECTED_ROWS,)
    types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    assert types["timestamp"] == "TIMESTAMP WITH TIME ZONE"
    assert types["close"] == "DOUBLE" and types["year"] == "BIGINT"
    per_series = con.execute(
        f"SELECT ccxt_exchange, ccxt_symbol, timeframe, count(*) FROM {src} GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert per_series == sorted((s.exchange, s.symbol, s.timeframe, len(rows)) for s, rows, _ in dataset())
    # every Hive key is true for every row inside: the year key is the candle's UTC year
    assert con.execute(f"SELECT count(*) FROM {src} WHERE year(timestamp) <> year").fetchone() == (0,)
    assert con.execute(f"SELECT count(*) FROM {src} WHERE exchange <> ccxt_exchange").fetchone() == (0,)
    # a partition-filtered query returns exactly the matching rows
    filtered = con.execute(f"SELECT count(*) FROM {src} WHERE year = 2024 AND timeframe = '1d'").fetchone()
    assert filtered == (D1_2024,)
    first = con.execute(
        f"SELECT strftime(min(timestamp), '%Y-%m-%d %H:%M') FROM {src} "
        "WHERE exchange = 'binance' AND symbol = 'BTC-USDT' AND timeframe = '1m'"
    ).fetchone()
    assert first == ("2024-01-31 23:00",)


def test_pandas_reads_the_whole_lake(lake):
    frame = pd.read_parquet(lake / "ohlcv")
    assert len(frame) == EXPECTED_ROWS
    assert str(frame["timestamp"].dtype) == "datetime64[ms, UTC]"
    assert set(frame["ccxt_symbol"].astype(str)) == {"BTC/USDT", "ETH/USDT", "ETH/USDT:USDT"}
    one = pd.read_parquet(lake / "ohlcv", filters=[("year", "=", 2024), ("timeframe", "=", "1d")])
    assert len(one) == D1_2024
    assert (one["timestamp"] >= pd.Timestamp("2024-01-01", tz="UTC")).all()


def test_bytes_per_candle_of_the_series_columns_are_small(lake):
    """ccxt_exchange and ccxt_symbol are dictionary-encoded: a few bytes per file, not per row."""
    files = sorted((lake / "ohlcv").rglob("*.parquet"))
    for path in files:
        meta = pq.ParquetFile(path).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        for name in ("ccxt_exchange", "ccxt_symbol"):
            column = meta.row_group(0).column(names.index(name))
            assert column.total_compressed_size < 200
