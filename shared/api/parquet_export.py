"""Candles handed out as a Parquet file: ``GET /api/ohlcv?format=parquet`` and ``cbdata fetch -o x.parquet``.

The schema is the lake's without the series columns: ``timestamp`` as a Parquet timestamp
(milliseconds, UTC) so pandas, polars and DuckDB show times, then open/high/low/close/volume as
doubles. The series and the served range travel in the file's key-value metadata (``cbdata.exchange``,
``cbdata.symbol``, ``cbdata.timeframe``, ``cbdata.start``, ``cbdata.end``). Written one row group per
batch with zstd level 1: an answer is encoded once and read once, so encoding speed beats the
last bytes (the store uses level 5 because it keeps its files).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shared.store.parquet_codec import COLUMNS, STORED_SCHEMA

SCHEMA = pa.schema([STORED_SCHEMA.field(name) for name in COLUMNS])
CONTENT_TYPE = "application/vnd.apache.parquet"
_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 1,
    "use_dictionary": False,
    "column_encoding": {"timestamp": "DELTA_BINARY_PACKED"},
    "write_statistics": ["timestamp"],
}


def metadata(header: dict[str, Any]) -> dict[bytes, bytes]:
    return {f"cbdata.{k}".encode(): str(v).encode() for k, v in header.items()}


class ParquetExport:
    """A Parquet file written batch by batch to ``sink`` (a path or a writable Arrow stream).
    Blocking: async callers run ``write`` and ``close`` in a worker thread."""

    def __init__(self, sink: Any, header: dict[str, Any]) -> None:
        self._writer = pq.ParquetWriter(sink, SCHEMA.with_metadata(metadata(header)), **_OPTIONS)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.select(list(COLUMNS)).cast(SCHEMA))

    def close(self) -> None:
        self._writer.close()
