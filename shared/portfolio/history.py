"""History rows <-> Parquet: one row per asset per sync, one file per account and UTC day.

Key ``portfolio/account=<name>/year=YYYY/month=MM/YYYY-MM-DD.parquet`` (Hive partitions, like the
candles'), so DuckDB and pyarrow read ``account``, ``year`` and ``month`` from the path; the file holds
the rest. A sync appends its rows to the day's file (see store.py for the conditional write).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shared.portfolio.models import Snapshot

PREFIX = "portfolio/"
FLOAT = pa.float64()
SCHEMA = pa.schema(
    [
        pa.field("taken_at", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("exchange", pa.string(), nullable=False),
        pa.field("quote", pa.string(), nullable=False),
        pa.field("asset", pa.string(), nullable=False),
        pa.field("quantity", FLOAT, nullable=False),
        pa.field("price", FLOAT),
        pa.field("value", FLOAT),
        pa.field("average_entry", FLOAT),
        pa.field("explained_quantity", FLOAT, nullable=False),
        pa.field("unrealised_pnl", FLOAT),
        pa.field("unrealised_pnl_pct", FLOAT),
    ]
)


def account_prefix(account: str) -> str:
    return f"{PREFIX}account={account}/"


def day_key(account: str, taken_at_ms: int) -> str:
    day = datetime.fromtimestamp(taken_at_ms / 1000, UTC)
    return f"{account_prefix(account)}year={day:%Y}/month={day:%m}/{day:%Y-%m-%d}.parquet"


def rows_of(snapshot: Snapshot) -> list[dict[str, Any]]:
    return [
        {
            "taken_at": snapshot.taken_at,
            "exchange": snapshot.exchange,
            "quote": snapshot.quote,
            "asset": a.asset,
            "quantity": a.quantity,
            "price": a.price,
            "value": a.value,
            "average_entry": a.average_entry,
            "explained_quantity": a.explained_quantity,
            "unrealised_pnl": a.unrealised_pnl,
            "unrealised_pnl_pct": a.unrealised_pnl_pct,
        }
        for a in snapshot.assets
    ]


def decode(data: bytes) -> pa.Table:
    # ParquetFile, not pq.read_table: that goes through pyarrow.dataset, whose threads can abort the
    # process at exit (std::terminate, seen in 10-40 % of short runs with pyarrow 26)
    return pq.ParquetFile(pa.BufferReader(data)).read(columns=SCHEMA.names).cast(SCHEMA)


def append(existing: bytes | None, snapshot: Snapshot) -> bytes | None:
    """The day's file with the snapshot's rows added; ``None`` when they are there already (a
    repeated write of the same sync adds nothing)."""
    if not snapshot.assets:
        return None
    table = decode(existing) if existing is not None else SCHEMA.empty_table()
    taken = table.column("taken_at").cast(pa.int64()).to_pylist()
    if snapshot.taken_at in taken:
        return None
    rows = pa.Table.from_pylist(rows_of(snapshot), schema=SCHEMA)
    merged = pa.concat_tables([table, rows]).sort_by("taken_at")
    out = io.BytesIO()
    pq.write_table(merged, out, compression="zstd")
    return out.getvalue()


def to_rows(table: pa.Table, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """Rows with ``start <= taken_at < end``, times as ms."""
    times = table.column("taken_at").cast(pa.int64()).to_pylist()
    rows = table.to_pylist()
    return [{**r, "taken_at": t} for r, t in zip(rows, times, strict=True) if start_ms <= t < end_ms]
