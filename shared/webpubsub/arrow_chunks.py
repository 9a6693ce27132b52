"""``historical_data_chunk`` messages with ``"encoding": "arrow"``: a chunk's table as one string.

``data`` is base64 of an Arrow IPC stream (one schema message, record batches, end-of-stream marker)
with zstd-compressed buffers, built from the store's Arrow table without Python rows. The schema is
the one of the Parquet answer (``shared.api.parquet_export.SCHEMA``): ``timestamp`` as
timestamp(ms, UTC), then open/high/low/close/volume as doubles. ``count`` is the chunk's row count.

Why Arrow IPC and not Parquet, and why zstd (bench/serve.py, a year of 1m): the IPC stream encodes a
year in ~0.12 s and decodes in ~0.1 s, Parquet takes 2-3x that both ways; zstd makes the base64 text
~16 MB instead of ~34 MB (uncompressed, about what the JSON rows take) at no decoding cost.
The size after compression depends on the data, so, as for JSON rows, chunks hold a fixed number of
rows (``arrow_rows_per_chunk``) and a chunk that comes out too large is halved, deterministically:
the same data always gives the same chunks, which is what a queue retry relies on.

Encoding is CPU work (~5 ms a chunk), done off the event loop on **one** thread of its own, with
Arrow's own threads off: spread over the default executor's threads (and Arrow's pool) every thread
kept its own malloc memory, ~40 MB more peak RSS for a year than one thread, at the same speed
(bench/serve.py: 222 MB against 183 MB; JSON chunks 171 MB). Concurrent requests share the thread
(a year is ~0.1 s of it).
"""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor

import orjson
import pyarrow as pa
import pyarrow.ipc as ipc

from shared.api.parquet_export import SCHEMA
from shared.store.parquet_codec import COLUMNS

ENCODING = "arrow"
MAX_ROWS_PER_CHUNK = 50_000
ROW_BYTES_BUDGET = 40  # base64 of a zstd row is ~32 bytes on a random walk, less on real prices
_OPTIONS = ipc.IpcWriteOptions(compression=pa.Codec("zstd", compression_level=1), use_threads=False)
_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arrow-chunks")  # starts on first use


def arrow_rows_per_chunk(max_message_bytes: int) -> int:
    """Fixed rows per chunk for a message limit (900 kB: 22,474 rows, ~0.7 MB of text)."""
    return max(1, min(MAX_ROWS_PER_CHUNK, (max_message_bytes - 1_024) // ROW_BYTES_BUDGET))


def encode_table(table: pa.Table) -> str:
    """A candle table (the store's columns) as base64 of a compressed Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, SCHEMA, options=_OPTIONS) as writer:
        writer.write_table(table.select(list(COLUMNS)).cast(SCHEMA))
    return base64.b64encode(sink.getvalue()).decode("ascii")


def decode_table(text: str) -> pa.Table:
    """``encode_table`` reversed (tests and tools; the client package has its own copy)."""
    return ipc.open_stream(pa.py_buffer(base64.b64decode(text, validate=True))).read_all()


def arrow_chunk(request_id: str | None, seq: int, table: pa.Table) -> bytes:
    message = {"type": "historical_data_chunk", "request_id": request_id, "seq": seq,
               "encoding": ENCODING, "count": table.num_rows, "data": encode_table(table)}  # fmt: skip
    return orjson.dumps(message)


def arrow_chunk_messages(
    request_id: str | None, first_seq: int, table: pa.Table, max_message_bytes: int
) -> list[bytes]:
    """Encoded Arrow chunks of ``table`` (seq from ``first_seq``), each under ``max_message_bytes``:
    a chunk that comes out too large is halved, deterministically. Blocking (CPU): ``encode_chunks``."""
    encoded = arrow_chunk(request_id, first_seq, table)
    if len(encoded) < max_message_bytes:
        return [encoded]
    if table.num_rows <= 1:
        raise ValueError(f"one candle row does not fit in {max_message_bytes} bytes")
    half = table.num_rows // 2
    head = arrow_chunk_messages(request_id, first_seq, table.slice(0, half), max_message_bytes)
    tail = table.slice(half)
    return head + arrow_chunk_messages(request_id, first_seq + len(head), tail, max_message_bytes)


async def encode_chunks(
    request_id: str | None, first_seq: int, table: pa.Table, max_message_bytes: int
) -> list[bytes]:
    """``arrow_chunk_messages`` on the encoding thread (see the module's docstring)."""
    loop = asyncio.get_running_loop()
    args = (request_id, first_seq, table, max_message_bytes)
    return await loop.run_in_executor(_ENCODER, arrow_chunk_messages, *args)
