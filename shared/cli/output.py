"""Where ``cbdata fetch`` writes candles: CSV, JSON or Parquet, one batch at a time.

Nothing holds the whole range: CSV and JSON rows are encoded per batch with the HTTP API's own
encoders (``shared.api.encoding``), so the bytes are those ``GET /api/ohlcv`` answers; Parquet goes
through ``shared.api.parquet_export`` (the same file ``GET /api/ohlcv?format=parquet`` answers: UTC
timestamps), one row group per batch. A file is written as
``FILE.part`` and renamed when complete, so a failed or interrupted fetch never leaves a truncated
file under the asked name. Writes run in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import IO, Any, Protocol

import orjson
import pyarrow as pa

from shared.api.encoding import COLUMNS, CSV_HEADER, ohlcv_csv, rows_of
from shared.api.parquet_export import ParquetExport
from shared.cli.console import UsageError

FORMATS = ("csv", "json", "parquet")


class CandleWriter(Protocol):
    async def write(self, table: pa.Table) -> None: ...
    async def finish(self) -> None: ...


class CsvWriter:
    """``timestamp,open,high,low,close,volume`` then one line per candle."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self._started = False

    async def write(self, table: pa.Table) -> None:
        body = ohlcv_csv(rows_of(table))[len(CSV_HEADER) :]
        data = body if self._started else CSV_HEADER + body
        self._started = True
        await asyncio.to_thread(self._sink.write, data)

    async def finish(self) -> None:
        if not self._started:
            await asyncio.to_thread(self._sink.write, CSV_HEADER)


class JsonWriter:
    """The ``GET /api/ohlcv`` body: ``header`` fields, ``columns`` and ``data``, written as it streams."""

    def __init__(self, sink: IO[bytes], header: dict[str, Any]) -> None:
        self._sink = sink
        empty = orjson.dumps({**header, "columns": list(COLUMNS), "data": []})
        assert empty.endswith(b"[]}")
        self._pending = empty[:-2]  # ... "data":[
        self._rows = 0

    async def write(self, table: pa.Table) -> None:
        rows = rows_of(table)
        if not rows:
            return
        data = self._pending + (b"," if self._rows else b"") + orjson.dumps(rows)[1:-1]
        self._pending, self._rows = b"", self._rows + len(rows)
        await asyncio.to_thread(self._sink.write, data)

    async def finish(self) -> None:
        await asyncio.to_thread(self._sink.write, self._pending + b"]}\n")


class ParquetFileWriter:
    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self._writer = ParquetExport(str(path), header)

    async def write(self, table: pa.Table) -> None:
        await asyncio.to_thread(self._writer.write, table)

    async def finish(self) -> None:
        await asyncio.to_thread(self._writer.close)

    def abort(self) -> None:
        self._writer.close()


def choose_format(fmt: str | None, output: str | None) -> str:
    """The asked format, else the output file's suffix, else csv; parquet needs a file."""
    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in FORMATS else "csv"
    if fmt == "parquet" and output in (None, "-"):
        raise UsageError("parquet is binary: write it to a file with -o FILE")
    return fmt


class Output:
    """The destination: a file written as ``FILE.part`` and renamed at the end, or stdout."""

    def __init__(self, output: str | None, fmt: str, header: dict[str, Any], stdout: IO[bytes]) -> None:
        self.path = None if output in (None, "-") else Path(output)  # type: ignore[arg-type]
        self._part = None if self.path is None else self.path.with_name(self.path.name + ".part")
        self._file: IO[bytes] | None = None
        self._sink: IO[bytes] | None = None
        if fmt == "parquet":
            assert self._part is not None
            self.writer: CandleWriter = ParquetFileWriter(self._part, header)
            return
        sink = stdout if self._part is None else open(self._part, "wb")  # closed in commit()/discard()
        self._file = None if self._part is None else sink
        self._sink = sink
        self.writer = CsvWriter(sink) if fmt == "csv" else JsonWriter(sink, header)

    async def commit(self) -> None:
        await self.writer.finish()
        if self._file is not None:
            await asyncio.to_thread(self._file.close)
        elif self._sink is not None:
            await asyncio.to_thread(self._sink.flush)
        if self._part is not None and self.path is not None:
            os.replace(self._part, self.path)

    def discard(self) -> None:
        """After a failure: close and delete the partial file (stdout is left as it is)."""
        if isinstance(self.writer, ParquetFileWriter):
            self.writer.abort()
        if self._file is not None:
            self._file.close()
        if self._part is not None:
            self._part.unlink(missing_ok=True)
