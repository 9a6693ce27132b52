"""Which exchange requests fill the missing spans of a range: pure arithmetic, property-tested.

An exchange request returns at most ``limit`` consecutive candles, i.e. a window of ``limit * tf``
milliseconds. Covering every missing candle with the fewest windows is the classic "cover points on a
line with fixed-length intervals" problem, which the greedy rule solves optimally: open a window at
the first missing candle, let it run ``limit`` candles, continue at the next candle still missing.
Small gaps closer together than a window share one request (the stored candles between them come
along and are merged harmlessly); windows that touch form one fetch span, fetched by one paging call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.intervals import Interval, align


@dataclass(frozen=True, slots=True)
class FetchPlan:
    spans: list[Interval]  # contiguous runs of windows, in time order
    requests: int  # windows = exchange requests on an exchange that honours the bounds
    missing_candles: int


def plan_windows(missing: list[Interval], tf_ms: int, limit: int) -> list[Interval]:
    """The fewest windows of at most ``limit`` candles covering every missing candle."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    width = limit * tf_ms
    windows: list[Interval] = []
    gaps = align(missing, tf_ms)
    i = 0
    while i < len(gaps):
        start = gaps[i][0]
        reach = start + width
        end = start
        # take every gap (or the part of one) that starts inside this window
        while i < len(gaps) and gaps[i][0] < reach:
            end = min(gaps[i][1], reach)
            if gaps[i][1] > reach:
                gaps[i] = (reach, gaps[i][1])
                break
            i += 1
        windows.append((start, end))
    return windows


def plan_fetch(missing: list[Interval], tf_ms: int, limit: int) -> FetchPlan:
    windows = plan_windows(missing, tf_ms, limit)
    spans: list[Interval] = []
    for start, end in windows:
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    candles = sum((e - s) // tf_ms for s, e in align(missing, tf_ms))
    return FetchPlan(spans, len(windows), candles)


def requests_for(span: Interval, tf_ms: int, limit: int) -> int:
    """Requests a paging call makes for one contiguous span: ceil(candles / limit)."""
    candles = -(-(span[1] - span[0]) // tf_ms)
    return -(-candles // limit)


def split_span(
    span: Interval,
    tf_ms: int,
    limit: int,
    max_windows: int,
    boundary: Callable[[int], int] | None = None,
) -> list[Interval]:
    """Cut a fetch span into chunks of whole windows, so results stream while the rest downloads.

    With ``boundary`` (the end of the storage partition holding a timestamp), a chunk ends at the
    first window edge at or after its partition's end: each partition is then written about once
    per fetch instead of once every few pages. ``max_windows`` caps a chunk (memory, streaming)."""
    window = limit * tf_ms
    chunks: list[Interval] = []
    start = span[0]
    while start < span[1]:
        end = start + max_windows * window
        if boundary is not None:
            edge = boundary(start)
            end = min(end, start + max(1, -(-(edge - start) // window)) * window)
        chunks.append((start, min(end, span[1])))
        start = end
    return chunks
