"""Candle tables -> JSON rows and CSV, fast (the Web PubSub chunks are in ``shared.webpubsub.chunks``).

A year of 1-minute candles is 525,600 rows: the standard ``json`` module takes about a second for
that, orjson a tenth of it. Columns go to Python through numpy's ``tolist()`` (one C loop per
column), rows are tuples (orjson writes them as arrays), timestamps stay ints and prices are
printed shortest-roundtrip by orjson.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

from shared.store.parquet_codec import COLUMNS

CSV_HEADER = (",".join(COLUMNS) + "\n").encode()


def rows_of(table: pa.Table) -> list[tuple[Any, ...]]:
    """``[(timestamp_ms, open, high, low, close, volume), ...]`` in table order."""
    if table.num_rows == 0:
        return []
    columns = [table.column(name).to_numpy().tolist() for name in COLUMNS]
    return list(zip(*columns, strict=True))


def ohlcv_json(header: dict[str, Any], rows: list[tuple[Any, ...]]) -> bytes:
    """The ``GET /api/ohlcv`` JSON body: ``header`` fields, ``columns`` and ``data``."""
    return orjson.dumps({**header, "columns": list(COLUMNS), "data": rows})


def json_rows(table: pa.Table) -> bytes:
    """A batch's rows as the inside of a JSON array (``[..],[..]``), to join with ``,``: a body is
    built batch by batch, so no more than one batch of Python rows is alive at a time."""
    rows = rows_of(table)
    return orjson.dumps(rows)[1:-1] if rows else b""


def ohlcv_json_body(header: dict[str, Any], fragments: list[bytes]) -> bytes:
    """``ohlcv_json`` from ``json_rows`` fragments: the same bytes."""
    empty = orjson.dumps({**header, "columns": list(COLUMNS), "data": []})
    return empty[:-2] + b",".join(f for f in fragments if f) + b"]}"


def csv_rows(table: pa.Table) -> bytes:
    """A batch's CSV lines without the header (``ohlcv_csv`` batch by batch)."""
    return ohlcv_csv(rows_of(table))[len(CSV_HEADER) :]


def ohlcv_csv(rows: list[tuple[Any, ...]]) -> bytes:
    """CSV with a header row; numbers written exactly as in the JSON answer."""
    if not rows:
        return CSV_HEADER
    # orjson writes "[[r1],[r2]]"; rows hold only numbers, so "],[" only ever separates two rows.
    return CSV_HEADER + orjson.dumps(rows)[2:-2].replace(b"],[", b"\n") + b"\n"
