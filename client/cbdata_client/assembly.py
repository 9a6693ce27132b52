"""Reassembling one ``request_historical`` answer from Web PubSub messages: pure, thread-safe.

The service sends ``historical_data_progress``, ``historical_data_chunk`` (``seq`` 0, 1, ...) and
finally ``historical_data_complete`` (``count``, ``chunks``), or an ``error_response``. A queue retry
may send chunks again with the same ``seq``: a repeat replaces the copy held (docs/protocol.md).
Messages about other requests are ignored; an ``error_response`` without a ``request_id`` (the
service could not read the request) counts as ours, since one connection carries one request.
A chunk in the compact encoding (``"encoding": "arrow"``) is decoded when it arrives and held as a
``pyarrow.Table`` (``cbdata_client.arrow_chunks``); ``table()`` joins such chunks without Python rows.
"""

from __future__ import annotations

import itertools
import json
import operator
import threading
from collections.abc import Callable, Mapping
from typing import Any

from cbdata_client import arrow_chunks
from cbdata_client.errors import ServiceError

ProgressHook = Callable[[int, int], None]


def message_of(data: Any) -> Mapping[str, Any] | None:
    """A server message's payload as a dict (the SDK hands over JSON already parsed, or text)."""
    if isinstance(data, str | bytes | bytearray | memoryview):
        try:
            data = json.loads(bytes(data) if not isinstance(data, str) else data)
        except (ValueError, UnicodeDecodeError):
            return None
    return data if isinstance(data, Mapping) else None


class HistoricalAssembly:
    def __init__(self, request_id: str, on_progress: ProgressHook | None = None) -> None:
        self.request_id = request_id
        self._on_progress = on_progress
        self._chunks: dict[int, Any] = {}  # seq -> JSON rows (a list) or a pyarrow.Table
        self._lock = threading.Lock()
        self.complete: Mapping[str, Any] | None = None
        self.error: ServiceError | None = None

    @property
    def finished(self) -> bool:
        return self.complete is not None or self.error is not None

    def feed(self, message: Mapping[str, Any]) -> bool:
        """Take one message; ``True`` once the answer is final (complete, or an error)."""
        kind, rid = message.get("type"), message.get("request_id")
        data, encoded = message.get("data"), message.get("encoding") is not None
        if kind == "historical_data_chunk" and rid == self.request_id and encoded:
            data = self._decoded(message)  # a pyarrow.Table, or the error; outside the lock
        with self._lock:
            if self.finished:
                return True
            if kind == "error_response" and rid in (self.request_id, None):
                code, text = message.get("code"), message.get("message")
                self.error = ServiceError(str(code or "INTERNAL_ERROR"), str(text or "the service failed"))
            elif rid != self.request_id:
                return False
            elif kind == "historical_data_chunk":
                seq = message.get("seq")
                if isinstance(data, ServiceError):
                    self.error = data
                elif not isinstance(seq, int) or seq < 0 or not (encoded or isinstance(data, list)):
                    self.error = ServiceError("BAD_RESPONSE", "a chunk without a valid seq or data")
                else:
                    self._chunks[seq] = data  # a repeat (a retry) replaces the copy held
            elif kind == "historical_data_complete":
                self.complete = message
            elif kind == "historical_data_progress" and self._on_progress is not None:
                self._on_progress(int(message.get("done") or 0), int(message.get("total") or 0))
            return self.finished

    @staticmethod
    def _decoded(message: Mapping[str, Any]) -> Any:
        """An encoded chunk's table, or the ``ServiceError`` saying why it cannot be read."""
        if message.get("encoding") != arrow_chunks.ENCODING:
            return ServiceError(
                "BAD_RESPONSE", f"a chunk in an unknown encoding {str(message.get('encoding'))[:20]!r}"
            )
        try:
            return arrow_chunks.decode_chunk(message.get("data"), message.get("count"))
        except ServiceError as exc:
            return exc

    def fail(self, error: ServiceError) -> None:
        """End the answer with ``error`` unless it is already final (a lost connection, say)."""
        with self._lock:
            if not self.finished:
                self.error = error

    def rows(self) -> list[list[Any]]:
        """The candles in order; raises ``ServiceError`` for an error answer or an incomplete one."""
        with self._lock:
            return assemble(self._chunks, self._final())

    def array(self) -> Any:
        """The candles as one float64 numpy array of shape (n, 6), checked like ``rows()`` but without
        a Python loop per row (numpy: the ``pandas`` extra). Timestamps are exact in float64."""
        with self._lock:
            return assemble_array(self._chunks, self._final())

    @property
    def arrow(self) -> bool:
        """Whether the chunks came in the compact Arrow encoding (then ``table()`` is the fast way)."""
        with self._lock:
            return any(not isinstance(chunk, list) for chunk in self._chunks.values())

    def table(self) -> Any:
        """The candles as one ``pyarrow.Table`` (timestamp(ms, UTC), five doubles) from Arrow chunks,
        checked like ``rows()``; ``BAD_RESPONSE`` if a chunk came as JSON rows."""
        with self._lock:
            return assemble_table(self._chunks, self._final())

    def _final(self) -> Mapping[str, Any]:
        if self.error is not None:
            raise self.error
        if self.complete is None:
            raise ServiceError("INCOMPLETE_RESPONSE", "the answer ended before historical_data_complete")
        return self.complete


def _chunk_count(chunks: Mapping[int, Any], complete: Mapping[str, Any]) -> tuple[int, int]:
    n, count = complete.get("chunks"), complete.get("count")
    if not isinstance(n, int) or not isinstance(count, int) or n < 0 or count < 0:
        raise ServiceError("BAD_RESPONSE", "historical_data_complete without valid chunks and count")
    missing = [seq for seq in range(n) if seq not in chunks]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise ServiceError("INCOMPLETE_RESPONSE", f"{len(missing)} of {n} chunks never arrived (seq {shown})")
    return n, count


def assemble_table(chunks: Mapping[int, Any], complete: Mapping[str, Any]) -> Any:
    """Arrow chunks ``0 .. chunks-1`` joined into one table, checked like ``assemble``."""
    n, count = _chunk_count(chunks, complete)
    parts = [chunks[seq] for seq in range(n)]
    if any(isinstance(part, list) for part in parts):
        raise ServiceError("BAD_RESPONSE", "a chunk came as JSON rows in an Arrow answer")
    table = arrow_chunks.concat(parts)
    if table.num_rows != count:
        raise ServiceError(
            "INCOMPLETE_RESPONSE", f"the chunks hold {table.num_rows} candles, the service counted {count}"
        )
    if not arrow_chunks.stamps_ascending(table):
        raise ServiceError("BAD_RESPONSE", "the candles are not in strictly ascending timestamp order")
    return table


def assemble_array(chunks: Mapping[int, Any], complete: Mapping[str, Any]) -> Any:
    """``assemble`` into one (n, 6) float64 numpy array: numpy converts each chunk in C."""
    import numpy as np

    n, count = _chunk_count(chunks, complete)
    parts = []
    for seq in range(n):
        chunk = chunks[seq]
        try:
            part = (
                np.asarray(chunk, dtype=np.float64)
                if isinstance(chunk, list)
                else arrow_chunks.table_array(chunk)
            )
        except (ValueError, TypeError):
            part = None
        if part is not None and part.size == 0:
            part = part.reshape(0, 6)
        if part is None or part.ndim != 2 or part.shape[1] != 6:
            raise ServiceError(
                "BAD_RESPONSE", "a candle row is not [timestamp, open, high, low, close, volume]"
            )
        parts.append(part)
    values = np.concatenate(parts) if parts else np.empty((0, 6), dtype=np.float64)
    if len(values) != count:
        raise ServiceError(
            "INCOMPLETE_RESPONSE", f"the chunks hold {len(values)} candles, the service counted {count}"
        )
    if len(values) > 1 and not (np.diff(values[:, 0]) > 0).all():
        raise ServiceError("BAD_RESPONSE", "the candles are not in strictly ascending timestamp order")
    return values


def assemble(chunks: Mapping[int, Any], complete: Mapping[str, Any]) -> list[list[Any]]:
    """Chunks ``0 .. chunks-1`` concatenated, checked against ``complete``'s ``chunks`` and ``count``."""
    n, count = _chunk_count(chunks, complete)
    # the checks run as map() over builtins (C loops), not a Python loop per row: a year is 525,600 rows
    rows = arrow_chunks.chain_rows([chunks[seq] for seq in range(n)])
    if len(rows) != count:
        raise ServiceError(
            "INCOMPLETE_RESPONSE", f"the chunks hold {len(rows)} candles, the service counted {count}"
        )
    if rows and (set(map(type, rows)) != {list} or set(map(len, rows)) != {6}):
        raise ServiceError("BAD_RESPONSE", "a candle row is not [timestamp, open, high, low, close, volume]")
    stamps = list(map(operator.itemgetter(0), rows))
    try:
        ascending = all(map(operator.lt, stamps, itertools.islice(stamps, 1, None)))
    except TypeError:  # a timestamp that is not a number
        ascending = False
    if not ascending:
        raise ServiceError("BAD_RESPONSE", "the candles are not in strictly ascending timestamp order")
    return rows
