"""One page of candles as the exchange plugins yield it, and the row validation that builds it.

A page *proves* its span: every candle the exchange has in ``[start_ms, end_ms)`` is in ``rows``;
a timestamp in the span without a row is an exchange-side gap (no trades), unless a row for that
slot was rejected (see ``rejected``): then the exchange answered with something unusable there.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Row = list[Any]  # [timestamp_ms: int, open, high, low, close, volume: float]


@dataclass(frozen=True, slots=True)
class OhlcvPage:
    start_ms: int
    end_ms: int
    rows: list[Row]
    rejected: list[tuple[Any, str]] = field(default_factory=list)


def _reason(row: Any, tf_ms: int) -> str | None:
    """Why ``row`` is not a valid candle, or ``None`` when it is one."""
    try:  # fast path for the common case: ccxt's [int, float, float, float, float, float]
        ts, o, h, low, c, v = row[:6]
        if (
            type(ts) is int and type(o) is float and type(h) is float and type(low) is float
            and type(c) is float and type(v) is float and ts % tf_ms == 0
            and h >= o and h >= c and low <= o and low <= c and low > 0 and 0 <= v < math.inf and h < math.inf
        ):  # fmt: skip
            return None
    except (TypeError, ValueError):
        pass
    if not isinstance(row, (list, tuple)) or len(row) < 6:
        return "not a row of [timestamp, open, high, low, close, volume]"
    ts = row[0]
    if isinstance(ts, bool) or not isinstance(ts, int):
        return "timestamp is not an integer"
    values = row[1:6]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return "a price or the volume is missing or not a number"
    if not all(math.isfinite(v) for v in values):
        return "a price or the volume is not finite"
    o, h, low, c, v = values
    if ts % tf_ms:
        return "timestamp is not aligned to the timeframe"
    if min(o, h, low, c) <= 0:
        return "a price is not positive"
    if h < max(o, c):
        return "high is below open or close"
    if low > min(o, c):
        return "low is above open or close"
    if v < 0:
        return "volume is negative"
    return None


def clean_rows(raw: Any, window_start: int, window_end: int, tf_ms: int) -> tuple[list[Row], list]:
    """Valid rows inside ``[window_start, window_end)``, sorted and de-duplicated, plus the rejected ones.

    Rows outside the window are dropped silently (an exchange may answer beyond the asked bounds,
    e.g. the still-open candle); they are neither data nor errors for this window. A timestamp that
    appears twice with different values is rejected both times: we cannot tell which one is right.

    The common page (ccxt's ``[int, float x5]`` rows, no duplicate timestamp) is checked with numpy
    over the whole page (``_clean_vectorised``); anything else takes the row-by-row path, which
    defines the rules. Both give the same answer (property-tested).
    """
    if not isinstance(raw, list):
        raw = []
    fast = _clean_vectorised(raw, window_start, window_end, tf_ms)
    if fast is not None:
        return fast
    return _clean_by_row(raw, window_start, window_end, tf_ms)


def valid_candles(ts: np.ndarray, values: np.ndarray, tf_ms: int) -> np.ndarray:
    """The row rules of ``_reason`` over arrays: timestamps (n,) int64 and open, high, low, close,
    volume (n, 5) float64 -> a mask of the valid candles (repeated timestamps not checked here)."""
    o, h, low, c, v = values.T
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(values).all(axis=1) & (ts % tf_ms == 0) & (low > 0) & (h >= o) & (h >= c)
            & (low <= o) & (low <= c) & (v >= 0)
        )  # fmt: skip


def _clean_vectorised(
    raw: list, window_start: int, window_end: int, tf_ms: int
) -> tuple[list[Row], list] | None:
    """``clean_rows`` for a page of ``[int, float, float, float, float, float]`` rows without a
    repeated timestamp, or ``None`` for any other page."""
    if not raw or not all(type(r) is list and len(r) == 6 for r in raw):
        return None
    stamps = [r[0] for r in raw]
    if set(map(type, stamps)) != {int}:
        return None
    values_list = [r[1:] for r in raw]
    if set(map(type, itertools.chain.from_iterable(values_list))) != {float}:
        return None
    try:
        ts = np.array(stamps, dtype=np.int64)
    except OverflowError:
        return None
    values = np.array(values_list, dtype=np.float64)
    valid = valid_candles(ts, values, tf_ms)
    inside = (ts >= window_start) & (ts < window_end)
    kept = np.flatnonzero(valid & inside)
    order = kept[np.argsort(ts[kept], kind="stable")]
    if len(order) > 1 and (np.diff(ts[order]) == 0).any():
        return None  # repeated timestamps: the row-by-row rules decide
    rejected = [(raw[i], _reason(raw[i], tf_ms) or "") for i in np.flatnonzero(~valid & inside)]
    rows = [[t, *vals] for t, vals in zip(ts[order].tolist(), values[order].tolist(), strict=True)]
    return rows, rejected


def _clean_by_row(raw: list, window_start: int, window_end: int, tf_ms: int) -> tuple[list[Row], list]:
    by_ts: dict[int, Row] = {}
    rejected: list[tuple[Any, str]] = []
    conflicting: set[int] = set()
    for row in raw:
        reason = _reason(row, tf_ms)
        if reason is None:
            ts = row[0]
            if not window_start <= ts < window_end:
                continue
            clean = [ts, *(float(x) for x in row[1:6])]
            previous = by_ts.get(ts)
            if previous is not None and previous != clean:
                conflicting.add(ts)
            by_ts[ts] = clean
        else:
            ts = row[0] if isinstance(row, (list, tuple)) and row else None
            if isinstance(ts, int) and not isinstance(ts, bool) and not window_start <= ts < window_end:
                continue
            rejected.append((row, reason))
    for ts in sorted(conflicting):
        rejected.append((by_ts.pop(ts), "two different candles for one timestamp"))
    return [by_ts[ts] for ts in sorted(by_ts)], rejected


def raw_timestamps(raw: Any) -> list[int]:
    """Integer timestamps of whatever rows came back (valid or not), for history checks."""
    out = []
    for row in raw if isinstance(raw, list) else []:
        if (
            isinstance(row, (list, tuple))
            and row
            and isinstance(row[0], int)
            and not isinstance(row[0], bool)
        ):
            out.append(row[0])
    return out
