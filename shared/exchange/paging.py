"""Our own windowing over an exchange's candle endpoint (never ccxt's ``paginate``).

Each request asks for one window of at most ``limit`` candles with explicit bounds, so N candles
cost exactly ceil(N / limit) requests on an exchange that honours the bounds. Each answer becomes
one ``OhlcvPage`` whose span is what that answer proves:

- fewer rows than ``limit``: the exchange gave everything it has in the window -> the whole window;
- a full page (``limit`` rows): it may have been cut short, so it proves only up to its last row
  (or the whole window when it reached past the window's end).

History check (``HISTORY_NOT_AVAILABLE``), at the start of a call only (before any candle was seen):
when the first window has no candle at its first slot, one probe asks for the ``limit`` candles
just before the start. A candle earlier than the start proves the exchange serves that history, so
the hole is an exchange-side gap. Otherwise the data begins later than asked -- a later listing and
"only the latest N candles" (Kraken) look the same from outside -- and we raise
``HistoryNotAvailableError`` with ``details["available_from"]`` (the first candle seen at or after the
start, or ``None``) instead of claiming the hole as a gap. Once a call has seen a candle, later holes
are gaps: the exchange demonstrably serves history there.

Pipelining: up to ``max_inflight`` windows are requested at once (the exchange's own throttle in
ccxt still paces them); answers may arrive in any order but pages are yielded strictly in order.
Windows are laid on a fixed grid (``limit`` slots each), so the count stays ceil(N / limit); a full
page that does not reach its window's end (an exchange serving fewer than asked) is completed by
follow-up requests before the next page is yielded. The first window goes alone while the history
check is pending, so a ``HistoryNotAvailableError`` costs no wasted requests. When a request fails
for good, the windows still in flight are cancelled and the error propagates: every page before it
has been yielded, none after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from shared.errors import ExchangeError, HistoryNotAvailableError
from shared.exchange.page import OhlcvPage, clean_rows, raw_timestamps
from shared.timeframes import ceil_to

# fetch(since_ms, until_ms_inclusive, limit) -> raw ccxt rows
FetchRaw = Callable[[int, int, int], Awaitable[list[Any]]]


async def iterate_pages(
    fetch: FetchRaw,
    *,
    start_ms: int,
    stop_ms: int,
    tf_ms: int,
    limit: int,
    what: str,
    history_known: bool = False,
    max_inflight: int = 1,
) -> AsyncIterator[OhlcvPage]:
    """Contiguous proven pages covering ``[start_ms, stop_ms)``; ``stop_ms`` is already clipped to the
    closed-candle boundary by the caller. ``what`` names the series in error messages."""
    windows = _windows(start_ms, stop_ms, tf_ms, limit)
    inflight: deque[tuple[int, int, int, asyncio.Task[list[Any]] | None]] = deque()
    seen_history = history_known  # the caller already knows the exchange serves earlier candles

    def launch() -> None:
        width = max_inflight if seen_history else 1  # the first window alone until history is known
        while len(inflight) < width:
            window = next(windows, None)
            if window is None:
                return
            cursor, since, window_end = window
            task = None
            if since < window_end:
                task = asyncio.ensure_future(fetch(since, ceil_to(window_end, tf_ms) - 1, limit))
            inflight.append((cursor, since, window_end, task))

    try:
        launch()
        while inflight:
            cursor, since, window_end, task = inflight.popleft()
            if task is None:  # no candle starts in [cursor, stop): nothing to ask
                yield OhlcvPage(cursor, window_end, [], [])
                continue
            raw = await task
            if not seen_history:
                await _check_history(
                    fetch, raw_stamps=raw_timestamps(raw), since=since, tf_ms=tf_ms, limit=limit, what=what
                )
                seen_history = True
            launch()  # keep the pipe full while this page is checked and stored
            while True:  # normally once; more when a full page stopped short of its window's end
                page = _page(raw, cursor, since, window_end, tf_ms, limit, what)
                yield page
                if page.end_ms >= window_end:
                    break
                cursor = since = page.end_ms
                raw = await fetch(since, ceil_to(window_end, tf_ms) - 1, limit)
    finally:
        for *_, pending in inflight:
            if pending is not None:
                pending.cancel()
        for *_, pending in inflight:
            if pending is not None:
                with contextlib.suppress(BaseException):
                    await pending


def _windows(start_ms: int, stop_ms: int, tf_ms: int, limit: int) -> Iterator[tuple[int, int, int]]:
    """``(cursor, since, window_end)`` on the fixed grid; ``since >= window_end`` marks an empty tail."""
    cursor = start_ms
    while cursor < stop_ms:
        since = ceil_to(cursor, tf_ms)
        window_end = min(since + limit * tf_ms, stop_ms)
        if since >= window_end:
            yield cursor, stop_ms, stop_ms
            return
        yield cursor, since, window_end
        cursor = window_end


def _page(raw: Any, cursor: int, since: int, window_end: int, tf_ms: int, limit: int, what: str) -> OhlcvPage:
    stamps = raw_timestamps(raw)
    if stamps and min(stamps) >= window_end:
        # Rows only after the window: the exchange ignored the bounds (e.g. serves only its latest
        # N candles). An empty page here would be recorded as a no-trade gap forever.
        raise HistoryNotAvailableError(
            f"{what}: the exchange answered candles from {min(stamps)} when asked for {since}; "
            "it does not serve that history",
            available_from=min(stamps),
            requested_from=since,
        )
    rows, rejected = clean_rows(raw, since, window_end, tf_ms)
    span_end = window_end
    if len(raw) >= limit and stamps:
        span_end = min(window_end, max(stamps) + tf_ms)
    if span_end <= cursor:
        raise ExchangeError(f"{what}: the exchange answered a full page without progress at {cursor}")
    return OhlcvPage(cursor, span_end, rows, rejected)


async def _check_history(
    fetch: FetchRaw, *, raw_stamps: list[int], since: int, tf_ms: int, limit: int, what: str
) -> None:
    if since in raw_stamps:
        return
    probe = await fetch(max(0, since - limit * tf_ms), since - 1, limit) if since > 0 else []
    probe_stamps = raw_timestamps(probe)
    if any(t < since for t in probe_stamps):
        return  # history before the start exists: the hole at the start is an exchange-side gap
    later = [t for t in raw_stamps + probe_stamps if t >= since]
    available_from = min(later) if later else None
    where = f"from {available_from}" if available_from is not None else "for this range"
    raise HistoryNotAvailableError(
        f"{what}: the exchange cannot serve candles from {since}; it serves data only {where}",
        available_from=available_from,
        requested_from=since,
    )
