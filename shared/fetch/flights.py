"""Downloads of a series in flight in this process, so that overlapping fills share them.

A fill decides under its series' lock what it downloads itself and what another fill of this
process is downloading already (``Flights.plan``); the lock is held for that decision only, never
for a download, so a request waits only for the candles it needs. For a part another fill is
downloading it waits until that fill has stored past the part (``Flight.reach``, fed by the other
fill's ``on_stored`` marks); if that fill ended short (it failed, or its reader stopped), it
downloads what is still missing itself. Two overlapping requests still download each span once, and
every fill's own ``on_stored`` marks stay in time order.
"""

from __future__ import annotations

import asyncio
import weakref

from shared.intervals import Interval
from shared.series import SeriesKey


class Flight:
    """One span being downloaded: how far it is stored (from its start, in order), and whether the
    download has ended."""

    def __init__(self, span: Interval) -> None:
        self.span = span
        self.through = span[0]
        self.ended = False
        self._changed = asyncio.Event()

    def stored(self, end: int) -> None:
        if end > self.through and not self.ended:  # an ended flight's mark stays where it stopped
            self.through = end
            self._changed.set()

    def end(self) -> None:
        self.ended = True
        self._changed.set()

    async def reach(self, t: int) -> bool:
        """Wait until everything before ``t`` is stored (``True``) or the download ended short of
        it (``False``)."""
        while self.through < t and not self.ended:
            self._changed.clear()
            await self._changed.wait()
        return self.through >= t


class Flights:
    def __init__(self) -> None:
        self._flying: dict[SeriesKey, list[Flight]] = {}

    def plan(self, series: SeriesKey, gaps: list[Interval]) -> list[tuple[list[Interval], Flight | None]]:
        """``gaps`` (sorted) cut where other fills are downloading, in time order: runs of gaps to
        download here (``None``), and the parts another fill's flight is downloading."""
        flying = sorted(self._flying.get(series, []), key=lambda f: f.span[0])
        parts: list[tuple[list[Interval], Flight | None]] = []

        def ours(piece: Interval) -> None:
            if parts and parts[-1][1] is None:
                parts[-1][0].append(piece)  # consecutive gaps of ours: planned together
            else:
                parts.append(([piece], None))

        for lo, hi in gaps:
            cursor = lo
            for flight in flying:
                a, b = max(cursor, flight.span[0]), min(hi, flight.span[1])
                if a >= b:
                    continue
                if cursor < a:
                    ours((cursor, a))
                parts.append(([(a, b)], flight))
                cursor = b
            if cursor < hi:
                ours((cursor, hi))
        return parts

    def take_off(self, series: SeriesKey, span: Interval) -> Flight:
        flight = Flight(span)
        self._flying.setdefault(series, []).append(flight)
        return flight

    def land(self, series: SeriesKey, flight: Flight) -> None:
        flight.end()
        flying = self._flying.get(series, [])
        if flight in flying:
            flying.remove(flight)
        if not flying:
            self._flying.pop(series, None)


class SeriesLocks:
    """One lock per series while anyone holds or waits for it (dropped when unused): held to decide
    what to download, never for the download itself."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[SeriesKey, asyncio.Lock] = weakref.WeakValueDictionary()

    def of(self, series: SeriesKey) -> asyncio.Lock:
        lock = self._locks.get(series)
        if lock is None:
            lock = self._locks[series] = asyncio.Lock()
        return lock
