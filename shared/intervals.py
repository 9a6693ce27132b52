"""Arithmetic on sets of half-open millisecond intervals ``[start, end)``.

A set of intervals is kept *normal*: sorted, non-empty, non-overlapping and non-adjacent (touching
intervals are merged). Every function here takes any iterable of pairs and returns a normal list, so
callers never have to think about order or overlap. Pure functions; property-tested in
``tests/test_intervals.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[int, int]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged, without empty intervals."""
    out: list[Interval] = []
    for start, end in sorted((int(s), int(e)) for s, e in intervals if e > s):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def union(*sets: Iterable[Interval]) -> list[Interval]:
    return normalize(iv for s in sets for iv in s)


def clip(intervals: Iterable[Interval], start: int, end: int) -> list[Interval]:
    """The part of ``intervals`` inside ``[start, end)``."""
    return normalize((max(s, start), min(e, end)) for s, e in intervals)


def subtract(base: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """``base`` minus ``remove``."""
    holes = normalize(remove)
    out: list[Interval] = []
    for start, end in normalize(base):
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor:
                continue
            if h_start >= end:
                break
            if h_start > cursor:
                out.append((cursor, h_start))
            cursor = max(cursor, h_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def missing(covered: Iterable[Interval], start: int, end: int) -> list[Interval]:
    """What of ``[start, end)`` is not in ``covered``."""
    return subtract([(start, end)], covered)


def total(intervals: Iterable[Interval]) -> int:
    return sum(e - s for s, e in normalize(intervals))


def align(intervals: Iterable[Interval], step: int) -> list[Interval]:
    """Snap to a grid of ``step`` (a timeframe): each interval becomes the grid points it contains.

    A candle opening at ``t`` (a multiple of ``step``) lies in ``[s, e)`` exactly when
    ``ceil(s) <= t < ceil(e)``, so both ends round up; slivers holding no grid point vanish.
    """
    return normalize((-(-s // step) * step, -(-e // step) * step) for s, e in intervals)
