"""Stores exchange pages as they arrive, many pages per write.

Writing every 1,000-candle page alone would rewrite a month partition ~45 times while filling it
(and each rewrite re-encodes the whole partition). The caller fills one storage partition per chunk
(see ``split_span``) and flushes at its end; the writer also flushes on its own past ``flush_rows``
candles or ``flush_pages`` pages (memory bound). A failure still keeps everything fetched before it:
``flush()`` runs on the way out, also on errors.
A page's rejected rows (unusable answers from the exchange) leave their slots uncovered, so they are
fetched again next time instead of being recorded as a no-trade gap.
"""

from __future__ import annotations

import logging

from shared.exchange.page import OhlcvPage
from shared.intervals import Interval
from shared.series import SeriesKey
from shared.store import CandleStore
from shared.timeframes import floor_to

log = logging.getLogger(__name__)


class PageWriter:
    def __init__(
        self, store: CandleStore, series: SeriesKey, *, flush_rows: int = 100_000, flush_pages: int = 100
    ):
        self._store = store
        self._series = series
        self._flush_rows = flush_rows
        self._flush_pages = flush_pages
        self._rows: list[list] = []
        self._span: Interval | None = None
        self._uncovered: list[Interval] = []
        self._pages = 0
        self.candles_written = 0
        self.first_ts: int | None = None  # oldest candle written (proves history from there on)
        self.partition_writes = 0

    async def add(self, page: OhlcvPage) -> None:
        if self._span is not None and self._span[1] != page.start_ms:
            await self.flush()  # pages of one call are contiguous; anything else starts a new buffer
        self._span = (page.start_ms if self._span is None else self._span[0], page.end_ms)
        self._rows.extend(page.rows)
        self._uncovered.extend(self._unusable(page))
        self._pages += 1
        if len(self._rows) >= self._flush_rows or self._pages >= self._flush_pages:
            await self.flush()

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

    async def flush(self) -> None:
        if self._span is None:
            return
        rows, span, uncovered = self._rows, self._span, self._uncovered
        self._rows, self._span, self._uncovered, self._pages = [], None, [], 0
        result = await self._store.write(self._series, rows, span, uncovered=uncovered)
        if rows and self.first_ts is None:
            self.first_ts = min(int(r[0]) for r in rows)
        self.candles_written += len(rows)
        self.partition_writes += result.partitions_written
