"""What an exchange's bulk candle archive offers (``ArchiveSource``), and the calendar of its files.

An archive publishes candles as files per period (Binance: a zip per month and per day). A source
says which files should exist for the missing parts of a range (``plan``) and turns one file into
checked candles (``fetch``). It never claims what a file does not hold: a slot without a valid row
is returned in ``ArchiveRows.uncovered``, so the REST fetch asks the exchange about it (archives
have holes) and only a REST answer can record it as a no-trade gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import pyarrow as pa

from shared.intervals import Interval

DAY_MS = 86_400_000


class ArchiveError(Exception):
    """A file could not be used; ``REST`` fills its span. Names the file."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


class ArchiveMissing(ArchiveError):
    """404: not published (yet), or never. Never evidence of "no trades"."""


class ArchiveCorrupt(ArchiveError):
    """Checksum mismatch, a truncated or unreadable zip, an unparsable CSV: nothing of it is used."""


class ArchiveUnreachable(ArchiveError):
    """The archive host cannot be reached at all (DNS, refused, timeout)."""


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    name: str  # the file name, for logs
    url: str
    start_ms: int
    end_ms: int
    monthly: bool


@dataclass(frozen=True, slots=True)
class ArchiveRows:
    start_ms: int
    end_ms: int
    table: pa.Table  # valid candles in [start, end), sorted, the store's schema
    uncovered: list[Interval] = field(default_factory=list)  # slots without a valid row


@runtime_checkable
class ArchiveSource(Protocol):
    def supports(self, symbol: str, timeframe: str) -> bool: ...

    def plan(self, symbol: str, timeframe: str, missing: list[Interval], now_ms: int) -> list[ArchiveFile]:
        """Files that should exist for the complete past days inside ``missing``, oldest first."""
        ...

    def days_of(self, file: ArchiveFile, symbol: str, timeframe: str) -> list[ArchiveFile]:
        """The daily files of a monthly file (for when the monthly one is not there)."""
        ...

    async def fetch(self, file: ArchiveFile, symbol: str, timeframe: str) -> ArchiveRows: ...

    async def close(self) -> None: ...


# -- the calendar ------------------------------------------------------------------------------
def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def month_start(ms: int) -> int:
    d = _dt(ms)
    return _ms(datetime(d.year, d.month, 1, tzinfo=UTC))


def next_month(ms: int) -> int:
    d = _dt(month_start(ms))
    return _ms(datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC))


def first_monday_after(month_end_ms: int) -> int:
    """First Monday on or after the first day of the next month (00:00 UTC)."""
    d = _dt(month_end_ms)
    return _ms(d + timedelta(days=(7 - d.weekday()) % 7))


@dataclass(frozen=True, slots=True)
class PublicationLag:
    """When a file is expected to exist: daily files ``daily_hours`` after their day ends, monthly
    files ``monthly_hours`` after the first Monday of the next month."""

    daily_hours: float = 8.0
    monthly_hours: float = 24.0

    def daily_published(self, day_start: int, now_ms: int) -> bool:
        return now_ms >= day_start + DAY_MS + self.daily_hours * 3_600_000

    def monthly_published(self, start: int, now_ms: int) -> bool:
        return now_ms >= first_monday_after(next_month(start)) + self.monthly_hours * 3_600_000


def periods(missing: list[Interval], now_ms: int, lag: PublicationLag) -> list[tuple[int, int, bool]]:
    """``(start, end, monthly)`` periods that should be published and lie wholly inside ``missing``:
    whole months as monthly periods, the other whole days as daily ones; oldest first."""
    out: list[tuple[int, int, bool]] = []
    for lo, hi in missing:
        day = -(-lo // DAY_MS) * DAY_MS
        while day + DAY_MS <= hi and lag.daily_published(day, now_ms):
            m0, m1 = month_start(day), next_month(day)
            if day == m0 and m1 <= hi and lag.monthly_published(m0, now_ms):
                out.append((m0, m1, True))
                day = m1
            else:
                out.append((day, day + DAY_MS, False))
                day += DAY_MS
    return out
