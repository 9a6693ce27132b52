"""One file of Binance's kline archive: verified against its ``.CHECKSUM``, unzipped, parsed, checked.

The CSV inside a zip has 12 columns, with or without a header row; it is parsed with pyarrow's CSV
reader (not row by row) and every row is checked as REST rows are. A slot without exactly one valid
row is returned as uncovered, so REST asks the exchange about it. CPU work: run it in a thread.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from shared.exchange.archive.source import ArchiveCorrupt, ArchiveFile, ArchiveRows
from shared.exchange.page import valid_candles
from shared.intervals import Interval
from shared.store.parquet_codec import SCHEMA

COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
           "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore"]  # fmt: skip


def verified_rows(
    data: bytes, checksum: bytes, file: ArchiveFile, tf_ms: int, microseconds: bool
) -> ArchiveRows:
    """The checked candles of a zip that matches its ``.CHECKSUM`` (CPU work: run it in a thread)."""
    expected = checksum.split(maxsplit=1)[0].decode("ascii", "replace").lower() if checksum.strip() else ""
    if hashlib.sha256(data).hexdigest() != expected:
        raise ArchiveCorrupt(file.name, "SHA-256 does not match its .CHECKSUM")
    return parse_zip(data, file, tf_ms, microseconds)


def parse_zip(data: bytes, file: ArchiveFile, tf_ms: int, microseconds: bool) -> ArchiveRows:
    """The checked candles of one archive zip (CPU work: run it in a thread)."""
    # the CSV is decompressed as pyarrow reads it, never held whole (~5 MB for a month of 1m)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n for n in archive.namelist() if n.endswith(".csv")]
            if len(members) != 1:
                raise ArchiveCorrupt(file.name, f"expected one CSV inside, found {len(members)}")
            with archive.open(members[0]) as csv:
                first = csv.read(1)
            header = bool(first) and not first.isdigit()
            with archive.open(members[0]) as csv:
                table = pacsv.read_csv(
                    csv,
                    read_options=pacsv.ReadOptions(column_names=COLUMNS, skip_rows=1 if header else 0),
                    convert_options=pacsv.ConvertOptions(
                        column_types={"open_time": pa.int64(), **{c: pa.float64() for c in COLUMNS[1:6]}},
                        include_columns=COLUMNS[:6],
                    ),
                )
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ArchiveCorrupt(file.name, f"unreadable zip ({exc})") from None
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise ArchiveCorrupt(file.name, f"unparsable CSV ({exc})") from None
    return checked_rows(table, file, tf_ms, microseconds)


def checked_rows(table: pa.Table, file: ArchiveFile, tf_ms: int, microseconds: bool) -> ArchiveRows:
    """Rows checked like REST rows; a slot without exactly one valid row stays uncovered."""
    raw_ts = table.column("open_time").to_numpy(zero_copy_only=False)
    values = np.column_stack([table.column(c).to_numpy(zero_copy_only=False) for c in COLUMNS[1:6]])
    valid = np.ones(len(raw_ts), dtype=bool)
    if microseconds:
        valid &= raw_ts % 1000 == 0
        ts = raw_ts // 1000
    else:
        ts = raw_ts
    valid &= valid_candles(ts, values, tf_ms) & (ts >= file.start_ms) & (ts < file.end_ms)
    unique, counts = np.unique(ts[valid], return_counts=True)
    repeated = unique[counts > 1]
    if len(repeated):  # two rows for one slot: we cannot tell which is right
        valid &= ~np.isin(ts, repeated)
    ts, values = ts[valid], values[valid]
    order = np.argsort(ts, kind="stable")
    ts, values = ts[order], values[order]
    out = pa.Table.from_arrays(
        [pa.array(ts, pa.int64())] + [pa.array(values[:, i]) for i in range(5)], schema=SCHEMA
    )
    return ArchiveRows(file.start_ms, file.end_ms, out, holes(ts, file.start_ms, file.end_ms, tf_ms))


def holes(ts: np.ndarray, start: int, end: int, tf_ms: int) -> list[Interval]:
    """Spans of ``[start, end)`` slots with no timestamp in ``ts`` (sorted, unique, aligned)."""
    slots = np.arange(-(-start // tf_ms) * tf_ms, end, tf_ms, dtype=np.int64)
    empty = slots[~np.isin(slots, ts, assume_unique=True)]
    if not len(empty):
        return []
    breaks = np.flatnonzero(np.diff(empty) != tf_ms)
    starts = np.concatenate([[empty[0]], empty[breaks + 1]])
    ends = np.concatenate([empty[breaks], [empty[-1]]]) + tf_ms
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
