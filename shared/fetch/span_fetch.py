"""Downloading one span of a series page by page, storing the pages a partition at a time as they come
(``PageWriter``, writing behind the download).

Pages fetched before a failure are kept (flushed) and the failure is raised; each request and the
fetched candles are counted in the tally and in the metrics. ``on_stored(end)`` is told whenever
everything of the span up to ``end`` is stored.
"""

from __future__ import annotations

import logging
import time

from shared.exchange.client import ExchangeClient
from shared.fetch.page_writer import PageWriter, StoredUpTo
from shared.fetch.progress import FetchTally
from shared.series import SeriesKey
from shared.store import CandleStore
from shared.store.layout import partition_bounds
from shared.telemetry import metrics

log = logging.getLogger(__name__)


async def download_span(
    store: CandleStore,
    series: SeriesKey,
    fetch_span: tuple[int, int],
    plugin: ExchangeClient,
    tally: FetchTally,
    first: int | None,
    on_stored: StoredUpTo | None = None,
) -> int | None:
    """Download ``fetch_span`` page by page, storing as it goes; the oldest stored candle after."""
    # stored candles before the span prove the exchange serves that history: no probe
    known = first is not None and first < fetch_span[0]
    writer = PageWriter(
        store,
        series,
        partition_end=lambda ts: partition_bounds(ts, series.tf_ms)[1],
        on_stored=on_stored,
    )
    pages = plugin.fetch_ohlcv(series.symbol, series.timeframe, *fetch_span, history_known=known)
    started = time.monotonic()
    try:
        async for page in pages:
            await writer.add(page)
            tally.requests += 1
            metrics.exchange_request(series.exchange)
            await tally.page_done(page.end_ms - page.start_ms)
    except BaseException as exc:
        metrics.exchange_request(series.exchange, metrics.outcome_of(exc))
        # keep every page fetched before the failure, without hiding the failure itself
        try:
            await writer.flush()
        except Exception:
            log.exception("%s: could not store the pages fetched before a failure", series)
        raise
    await writer.flush()
    metrics.fetched(series, writer.candles_written, time.monotonic() - started)
    tally.candles += writer.candles_written
    tally.writes += writer.partition_writes
    return writer.first_ts if first is None and writer.first_ts is not None else first
