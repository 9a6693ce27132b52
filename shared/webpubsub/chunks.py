"""The ``historical_data_chunk`` messages of a historical answer, each under the message size limit.

Rows are regrouped into fixed-size tables (``Rechunker``, ``rows_per_chunk``) so the same data always
gives the same chunks; a chunk that still comes out too large is halved (``chunk_messages``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow as pa

from shared.webpubsub import messages

MAX_ROWS_PER_CHUNK = 10_000
ROW_BYTES_BUDGET = 89  # a typical row is ~65 bytes; room for long prices before a split is needed


def rows_per_chunk(max_message_bytes: int) -> int:
    """Fixed rows per chunk for a message limit: the same data always gives the same chunks."""
    return max(1, min(MAX_ROWS_PER_CHUNK, (max_message_bytes - 1_024) // ROW_BYTES_BUDGET))


def chunk_messages(
    request_id: str | None, first_seq: int, rows: list[tuple[Any, ...]], max_message_bytes: int
) -> list[bytes]:
    """Encoded ``historical_data_chunk`` messages for ``rows`` (seq from ``first_seq``), each under
    ``max_message_bytes``: a chunk that comes out too large is halved, deterministically."""
    encoded = orjson.dumps(messages.chunk(request_id, first_seq, rows))
    if len(encoded) < max_message_bytes:
        return [encoded]
    if len(rows) <= 1:
        raise ValueError(f"one candle row does not fit in {max_message_bytes} bytes")
    half = len(rows) // 2
    head = chunk_messages(request_id, first_seq, rows[:half], max_message_bytes)
    return head + chunk_messages(request_id, first_seq + len(head), rows[half:], max_message_bytes)


class Rechunker:
    """Regroups tables of any sizes into tables of exactly ``size`` rows (the last may be shorter)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pending: list[pa.Table] = []
        self._rows = 0

    def add(self, table: pa.Table) -> Iterator[pa.Table]:
        if table.num_rows:
            self._pending.append(table)
            self._rows += table.num_rows
        if self._rows < self.size:
            return
        combined = pa.concat_tables(self._pending)
        offset = 0
        while self._rows - offset >= self.size:
            yield combined.slice(offset, self.size)
            offset += self.size
        rest = combined.slice(offset)
        self._pending, self._rows = ([rest] if rest.num_rows else []), rest.num_rows

    def finish(self) -> pa.Table | None:
        if not self._rows:
            return None
        table = pa.concat_tables(self._pending)
        self._pending, self._rows = [], 0
        return table
