"""Candles <-> Parquet bytes, with the partition's coverage in the file's own key-value metadata.

Keeping coverage inside the same object as the candles is what makes "candles and coverage change
together" hold: one atomic object write changes both, and no reader can see one without the other.

Encoding (chosen by measurement, see bench/storage.py and docs/storage.md): timestamps
DELTA_BINARY_PACKED; prices PLAIN + zstd level 5 (prices with few decimals repeat byte patterns that
zstd finds; dictionary and BYTE_STREAM_SPLIT both measured larger); volume BYTE_STREAM_SPLIT.

In memory a partition is ``SCHEMA`` (``timestamp`` as int64 milliseconds, what the whole service
computes with). On disk (format 2) ``timestamp`` is a Parquet timestamp (milliseconds, UTC) so every
tool shows times, and each row also carries its series as ``ccxt_exchange`` and ``ccxt_symbol``
(``BTC/USDT``, not the path's encoded form): dictionary-encoded, they cost a few bytes per file.
Their names differ from the Hive keys ``exchange``/``symbol`` on purpose: where a file column and a
Hive key share a name, DuckDB shows the key's value and a filter on that name matches nothing.
Files of format 1 (int64 ``timestamp``, no series columns) still decode, for the migration.
A partition still being filled is written at zstd level ``FILLING_LEVEL`` (6x cheaper, ~3 % larger:
it will be rewritten anyway); the write that completes its coverage compacts it at ``FINAL_LEVEL``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shared.errors import CorruptPartitionError
from shared.intervals import Interval, normalize
from shared.series import SeriesKey

COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
SCHEMA = pa.schema(
    [pa.field("timestamp", pa.int64(), nullable=False)]
    + [pa.field(name, pa.float64(), nullable=False) for name in COLUMNS[1:]]
)
SERIES_COLUMNS = ("ccxt_exchange", "ccxt_symbol")
STORED_SCHEMA = pa.schema(
    [pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False)]
    + [pa.field(name, pa.float64(), nullable=False) for name in COLUMNS[1:]]
    + [pa.field(name, pa.string(), nullable=False) for name in SERIES_COLUMNS]
)
COVERAGE_KEY = b"cbdata.coverage"
FORMAT_KEY = b"cbdata.format"
FORMAT_VERSION = b"2"
_MAGIC = b"PAR1"
FINAL_LEVEL = 5  # 19.47 B per candle on bench/storage.py's year; level 9: 19.36 B, at 2.3x the encode time
FILLING_LEVEL = 1
_WRITE_OPTIONS = {
    "compression": "zstd",
    "use_dictionary": list(SERIES_COLUMNS),  # one value per file: a dictionary of one, run-length indices
    "column_encoding": {
        "timestamp": "DELTA_BINARY_PACKED",
        "open": "PLAIN",
        "high": "PLAIN",
        "low": "PLAIN",
        "close": "PLAIN",
        "volume": "BYTE_STREAM_SPLIT",
    },
    "write_statistics": ["timestamp", *SERIES_COLUMNS],
}


@dataclass(frozen=True, slots=True)
class PartitionSummary:
    """What a partition's footer says without reading its data."""

    coverage: list[Interval]
    rows: int
    first_ts: int | None
    last_ts: int | None


def empty_table() -> pa.Table:
    return SCHEMA.empty_table()


def rows_to_table(rows: Sequence[Sequence[float]] | pa.Table) -> pa.Table:
    """Rows ``[timestamp_ms, open, high, low, close, volume]`` as a table of the store's schema."""
    if isinstance(rows, pa.Table):
        return rows.select(list(COLUMNS)).cast(SCHEMA)
    if len(rows) == 0:
        return empty_table()
    array = np.asarray(rows, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != len(COLUMNS):
        raise ValueError("candle rows must be [timestamp_ms, open, high, low, close, volume]")
    # Timestamps up to year 2200 are exact in float64; read them back as integers from the source.
    timestamps = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
    columns = [pa.array(timestamps)] + [pa.array(array[:, i]) for i in range(1, len(COLUMNS))]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def encode(
    table: pa.Table, coverage: list[Interval], series: SeriesKey, *, level: int = FINAL_LEVEL
) -> bytes:
    """A partition's file: ``table`` (of ``SCHEMA``) in the stored schema, coverage in the footer."""
    n = table.num_rows
    stored = pa.Table.from_arrays(
        [table.column("timestamp").cast(STORED_SCHEMA.field("timestamp").type)]
        + [table.column(name) for name in COLUMNS[1:]]
        + [pa.repeat(series.exchange, n), pa.repeat(series.symbol, n)],
        schema=STORED_SCHEMA,
    )
    metadata = {
        COVERAGE_KEY: json.dumps(normalize(coverage), separators=(",", ":")).encode(),
        FORMAT_KEY: FORMAT_VERSION,
    }
    sink = io.BytesIO()
    pq.write_table(stored.replace_schema_metadata(metadata), sink, compression_level=level, **_WRITE_OPTIONS)
    return sink.getvalue()


def decode(data: bytes) -> tuple[pa.Table, list[Interval]]:
    try:
        # ParquetFile, not pq.read_table: the latter imports pyarrow.dataset (~0.25 s on first use)
        table = pq.ParquetFile(pa.BufferReader(data)).read(columns=list(COLUMNS))
        coverage = _coverage(table.schema.metadata or {})
        return table.replace_schema_metadata(None).cast(SCHEMA), coverage
    except (pa.ArrowException, OSError) as exc:
        raise CorruptPartitionError(f"a stored candle partition is not readable Parquet: {exc}") from exc


def footer_length(tail: bytes) -> int:
    """Length of the Parquet footer, read from the last 8 bytes of a file."""
    if len(tail) < 8 or tail[-4:] != _MAGIC:
        raise CorruptPartitionError("a stored candle partition does not end like a Parquet file")
    return int.from_bytes(tail[-8:-4], "little")


def summarize_footer(tail: bytes) -> PartitionSummary:
    """Summary from the last bytes of a file; ``tail`` must hold the whole footer plus 8 bytes."""
    length = footer_length(tail)
    if length + 8 > len(tail):
        raise CorruptPartitionError("a stored candle partition is too short for a Parquet footer")
    # pyarrow parses metadata from a file-like object only; a stub file of magic + footer is enough,
    # and saves downloading the column data just to learn a partition's coverage and row count.
    stub = _MAGIC + tail[len(tail) - length - 8 :]
    try:
        meta = pq.read_metadata(pa.BufferReader(stub))
    except (pa.ArrowException, OSError) as exc:
        raise CorruptPartitionError(f"a stored candle partition has an unreadable footer: {exc}") from exc
    first = last = None
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(0).statistics  # timestamp, first in both formats
        if stats is not None and stats.has_min_max and meta.row_group(i).num_rows:
            low, high = int(stats.min_raw), int(stats.max_raw)  # milliseconds in both formats
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    return PartitionSummary(_coverage(meta.metadata or {}), meta.num_rows, first, last)


def _coverage(metadata: dict[bytes, bytes]) -> list[Interval]:
    raw = metadata.get(COVERAGE_KEY)
    if raw is None:
        raise CorruptPartitionError(
            "a stored candle partition has no coverage metadata (not written by this service)"
        )
    try:
        return normalize((int(s), int(e)) for s, e in json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise CorruptPartitionError(
            f"a stored candle partition has unreadable coverage metadata ({exc})"
        ) from exc


def merge(stored: pa.Table, fresh: pa.Table) -> pa.Table:
    """Union by timestamp, sorted; where both have a timestamp the fresh row wins."""
    if fresh.num_rows == 0:
        return stored
    if stored.num_rows == 0:
        both, newer = fresh, np.ones(fresh.num_rows, dtype=np.int8)
    else:
        both = pa.concat_tables([stored, fresh])
        newer = np.concatenate([np.zeros(stored.num_rows, np.int8), np.ones(fresh.num_rows, np.int8)])
    ts = both.column("timestamp").to_numpy()
    order = np.lexsort((newer, ts))
    ts_sorted = ts[order]
    keep = np.ones(len(order), dtype=bool)
    keep[:-1] = ts_sorted[:-1] != ts_sorted[1:]  # the last of each timestamp group is the newest
    return both.take(pa.array(order[keep]))
