"""Serve one historical request as Web PubSub messages: progress while gaps fill, chunks, complete.

Chunks hold a fixed number of rows (from ``max_message_bytes`` only), so the same data always gives
the same ``seq`` numbers: when a queue retry serves a request again, a client that already has some
chunks drops the repeats by ``seq``. Every message is JSON (orjson) under ``max_message_bytes``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from shared.api.encoding import rows_of
from shared.api.requests import ChunkEncoding, HistoricalRequest
from shared.fetch.progress import Progress
from shared.logging_config import log_context
from shared.telemetry import metrics
from shared.telemetry.spans import span
from shared.webpubsub import messages
from shared.webpubsub.arrow_chunks import arrow_rows_per_chunk, encode_chunks
from shared.webpubsub.chunks import Rechunker, chunk_messages, rows_per_chunk

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

log = logging.getLogger(__name__)
Send = Callable[[bytes], Awaitable[None]]
WEBPUBSUB_MAX_MESSAGE_BYTES = 1_048_576


async def serve_historical(
    services: Services,
    request: HistoricalRequest,
    send: Send,
    *,
    max_message_bytes: int = 900_000,
    progress_interval_s: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    encoding: ChunkEncoding = "json",
) -> dict[str, Any]:
    """Send the request's messages through ``send``; return the ``historical_data_complete`` dict.
    Raises ``DataServiceError`` when the fetch fails (nothing is sent for the failure itself)."""
    series = request.series(services.settings.ccxt.default_exchange)
    rid = request.request_id
    context = {"exchange": series.exchange, "symbol": series.symbol, "timeframe": series.timeframe}
    started = clock()
    with log_context(request_id=rid, **context), span("serve", request_id=rid, **context) as current:
        stream = await services.candles.open(series, request.start, request.end)
        sent_progress = _ProgressSender(rid, send, progress_interval_s, clock)
        chunks = _ChunkSender(rid, send, max_message_bytes, encoding)
        # aclosing: a failed send stops the download (and its progress messages) at once
        async with aclosing(stream.batches(sent_progress)) as batches:
            async for batch in batches:
                for table in chunks.rechunker.add(batch):
                    await chunks.send(table)
        tail = chunks.rechunker.finish()
        if tail is not None:
            await chunks.send(tail)
        done = messages.complete(rid, series, stream.start, stream.end, chunks.count, chunks.seq)
        await send(orjson.dumps(done))
        made = stream.requests_made
        log.info("served %d candles in %d chunks (%d exchange requests)", chunks.count, chunks.seq, made)
        current.set_attribute("cbdata.candles", chunks.count)
        metrics.served(series, chunks.count, clock() - started, "webpubsub")
        return done


class _ChunkSender:
    def __init__(
        self, request_id: str | None, send: Send, max_message_bytes: int, encoding: ChunkEncoding
    ) -> None:
        self.request_id, self._send, self._max = request_id, send, max_message_bytes
        self._arrow = encoding == "arrow"
        size = arrow_rows_per_chunk(max_message_bytes) if self._arrow else rows_per_chunk(max_message_bytes)
        self.rechunker = Rechunker(size)
        self.seq = self.count = 0

    async def send(self, table: pa.Table) -> None:
        if self._arrow:  # CPU work, on the one encoding thread (arrow_chunks)
            encoded = await encode_chunks(self.request_id, self.seq, table, self._max)
        else:
            encoded = chunk_messages(self.request_id, self.seq, rows_of(table), self._max)
        for message in encoded:
            await self._send(message)
            self.seq += 1
        self.count += table.num_rows


class _ProgressSender:
    """Sends ``historical_data_progress`` at most once per interval (the first report always)."""

    def __init__(
        self, request_id: str | None, send: Send, interval_s: float, clock: Callable[[], float]
    ) -> None:
        self.request_id, self._send, self._interval, self._clock = request_id, send, interval_s, clock
        self._last: float | None = None

    async def __call__(self, progress: Progress) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        await self._send(orjson.dumps(messages.progress(self.request_id, progress.known, progress.total)))
