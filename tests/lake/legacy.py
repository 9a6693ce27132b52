"""Writing a store the way layout 1 did (per-timeframe keys, ``part.parquet``, int64 timestamps),
so the migration has real old data to move. Layout 1 lives here only as test knowledge."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shared.intervals import clip
from shared.series import SeriesKey, encode_symbol
from shared.storage.backend import StorageBackend

DAY = 86_400_000


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(d: datetime) -> int:
    return int(d.timestamp() * 1000)


def legacy_partition(ts: int, tf_ms: int) -> tuple[int, int, str]:
    d = _dt(ts)
    if tf_ms < 60_000:
        s = datetime(d.year, d.month, d.day, tzinfo=UTC)
        return _ms(s), _ms(s) + DAY, f"year={d.year:04d}/month={d.month:02d}/day={d.day:02d}"
    if tf_ms < 1_800_000:
        s, e = (
            datetime(d.year, d.month, 1, tzinfo=UTC),
            datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC),
        )
        return _ms(s), _ms(e), f"year={d.year:04d}/month={d.month:02d}"
    if tf_ms < 21_600_000:
        return (
            _ms(datetime(d.year, 1, 1, tzinfo=UTC)),
            _ms(datetime(d.year + 1, 1, 1, tzinfo=UTC)),
            f"year={d.year:04d}",
        )
    dec = d.year - d.year % 10
    return (
        _ms(datetime(dec, 1, 1, tzinfo=UTC)),
        _ms(datetime(dec + 10, 1, 1, tzinfo=UTC)),
        f"decade={dec:04d}",
    )


def legacy_bytes(rows: list[list[float]], coverage: list[tuple[int, int]]) -> bytes:
    ts = np.array([int(r[0]) for r in rows], dtype=np.int64)
    cols = {"timestamp": pa.array(ts, pa.int64())}
    for i, name in enumerate(("open", "high", "low", "close", "volume"), start=1):
        cols[name] = pa.array([float(r[i]) for r in rows], pa.float64())
    table = pa.table(cols).replace_schema_metadata(
        {b"cbdata.coverage": json.dumps(coverage).encode(), b"cbdata.format": b"1"}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=False, write_statistics=["timestamp"])
    return sink.getvalue().to_pybytes()


async def write_legacy(
    backend: StorageBackend, series: SeriesKey, rows: list[list[float]], coverage: list[tuple[int, int]]
) -> list[str]:
    """Store ``rows`` and ``coverage`` of one series as layout 1 did; the keys written."""
    tf = series.tf_ms
    starts = {legacy_partition(int(r[0]), tf)[0] for r in rows}
    for s, e in coverage:
        while s < e:
            p_start, s, _ = legacy_partition(s, tf)
            starts.add(p_start)
    keys = []
    for start in sorted(starts):
        p_start, p_end, part = legacy_partition(start, tf)
        prefix = f"ohlcv/exchange={series.exchange}/symbol={encode_symbol(series.symbol)}/timeframe={series.timeframe}"
        key = f"{prefix}/{part}/part.parquet"
        inside = [r for r in rows if p_start <= r[0] < p_end]
        await backend.write(key, legacy_bytes(inside, clip(coverage, p_start, p_end)))
        keys.append(key)
    return keys
