"""Stores exchange pages as they arrive, a storage partition per write, while the next pages download.

Writing every 1,000-candle page alone would rewrite a month partition ~45 times while filling it
(and each rewrite re-encodes the whole partition). The writer buffers contiguous pages until they
reach the end of the partition the buffer started in (``partition_end``), then writes them in one
go; it also writes past ``flush_rows`` candles or ``flush_pages`` pages (memory bound).

Writes happen *behind* the download: ``add`` hands a full buffer to a background write and returns,
so the caller keeps pulling pages (and the exchange keeps being asked) while the partition is
encoded; one write runs at a time, in order, and a failed write surfaces at the next ``add`` or
``flush``. ``on_stored(end)`` is told after each write that everything from the first page up to
``end`` is stored (readers wait for it). A failure still keeps everything fetched before it:
``flush()`` runs on the way out, also on errors. A page's rejected rows (unusable answers from the
exchange) leave their slots uncovered, so they are fetched again next time instead of being recorded
as a no-trade gap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from shared.exchange.page import OhlcvPage
from shared.intervals import Interval
from shared.series import SeriesKey
from shared.store import CandleStore
from shared.store.parquet_codec import empty_table, rows_to_table
from shared.timeframes import floor_to

log = logging.getLogger(__name__)
StoredUpTo = Callable[[int], None]


class PageWriter:
    def __init__(
        self,
        store: CandleStore,
        series: SeriesKey,
        *,
        partition_end: Callable[[int], int] | None = None,
        on_stored: StoredUpTo | None = None,
        flush_rows: int = 100_000,
        flush_pages: int = 100,
    ):
        self._store = store
        self._series = series
        self._partition_end = partition_end
        self._on_stored = on_stored
        self._flush_rows = flush_rows
        self._flush_pages = flush_pages
        self._tables: list[pa.Table] = []  # a page's rows become a table as it arrives
        self._rows = 0
        self._span: Interval | None = None
        self._uncovered: list[Interval] = []
        self._pages = 0
        self._writing: asyncio.Task[None] | None = None
        self.candles_written = 0
        self.first_ts: int | None = None  # oldest candle written (proves history from there on)
        self.partition_writes = 0

    async def add(self, page: OhlcvPage) -> None:
        if self._span is not None and self._span[1] != page.start_ms:
            await self.flush()  # pages of one call are contiguous; anything else starts a new buffer
        self._span = (page.start_ms if self._span is None else self._span[0], page.end_ms)
        if page.rows:
            # converted page by page (about a millisecond each): converting a partition's rows at
            # once would hold the event loop for ~75 ms, longer than ccxt's throttle can make up
            self._tables.append(rows_to_table(page.rows))
            self._rows += len(page.rows)
        self._uncovered.extend(self._unusable(page))
        self._pages += 1
        full = self._rows >= self._flush_rows or self._pages >= self._flush_pages
        edge = self._partition_end is not None and page.end_ms >= self._partition_end(self._span[0])
        if full or edge:
            await self._write_behind()

    def _unusable(self, page: OhlcvPage) -> list[Interval]:
        if not page.rejected:
            return []
        tf = self._series.tf_ms
        slots: list[Interval] = []
        for row, reason in page.rejected:
            log.warning(
                "%s: the exchange sent an unusable candle (%s); its slot stays missing", self._series, reason
            )
            try:
                ts = int(row[0])
            except (TypeError, ValueError, IndexError):
                return [(page.start_ms, page.end_ms)]  # cannot tell which slot: trust none of the page
            start = floor_to(ts, tf)
            slots.append((start, start + tf))
        return slots

    async def _write_behind(self) -> None:
        """Start writing the buffer in the background, after the previous write has finished."""
        await self._settle()
        if self._span is None:
            return
        tables, span, uncovered = self._tables, self._span, self._uncovered
        self._tables, self._rows, self._span, self._uncovered, self._pages = [], 0, None, [], 0
        rows = pa.concat_tables(tables) if tables else empty_table()
        self._writing = asyncio.ensure_future(self._write(rows, span, uncovered))

    async def _settle(self) -> None:
        """Wait for the write in progress; its failure is raised here. Shielded: a cancelled
        download still lets a started write finish (awaiting a task would cancel it too)."""
        writing = self._writing
        if writing is not None:
            try:
                await asyncio.shield(writing)
            finally:
                if writing.done():  # done, or failed (raised once); still running after a cancel
                    self._writing = None

    async def _write(self, rows: pa.Table, span: Interval, uncovered: list[Interval]) -> None:
        result = await self._store.write(self._series, rows, span, uncovered=uncovered)
        if rows.num_rows and self.first_ts is None:
            self.first_ts = int(pc.min(rows.column("timestamp")).as_py())
        self.candles_written += rows.num_rows
        self.partition_writes += result.partitions_written
        if self._on_stored is not None:
            self._on_stored(span[1])

    async def flush(self) -> None:
        """Write what is buffered and wait until every write has finished."""
        await self._write_behind()
        await self._settle()
