"""What the catalog says of one stored series, summed from its partitions' summaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.series import SeriesKey
from shared.store.parquet_codec import PartitionSummary


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    series: SeriesKey
    first_ts: int | None
    last_ts: int | None
    count: int
    partitions: int


def series_info(series: SeriesKey, summaries: Sequence[PartitionSummary]) -> SeriesInfo:
    """First and last candle, candle and partition count of ``series`` (``summaries`` not empty)."""
    firsts = [s.first_ts for s in summaries if s.first_ts is not None]
    lasts = [s.last_ts for s in summaries if s.last_ts is not None]
    return SeriesInfo(
        series,
        min(firsts) if firsts else None,
        max(lasts) if lasts else None,
        sum(s.rows for s in summaries),
        len(summaries),
    )
