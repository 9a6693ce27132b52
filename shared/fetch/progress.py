"""Progress of a fetch, for progress bars (CLI) and progress messages (Web PubSub).

``FetchTally`` is what one opened request counts while it fills its gaps: ``CandleStream`` owns it and
``GapFiller.fill`` adds to it (requests, candles, partition writes) and reports progress through it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.fetch.planning import FetchPlan


@dataclass(frozen=True, slots=True)
class Progress:
    known: int  # candle slots of the range known complete (stored, fetched, or confirmed empty)
    total: int  # candle slots in the range
    gaps: int  # missing spans found when the fetch started
    requests_done: int
    requests_planned: int


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


async def report(callback: ProgressCallback | None, progress: Progress) -> None:
    if callback is None:
        return
    result = callback(progress)
    if inspect.isawaitable(result):
        await result


class FetchTally:
    """Counts of one fetch, and its progress reports.

    ``known`` starts at the slots already stored and grows as pages arrive; ``callback`` (set when the
    stream is read) receives a ``Progress`` after every page."""

    def __init__(
        self, callback: ProgressCallback | None, plan: FetchPlan, total_slots: int, tf_ms: int
    ) -> None:
        self.callback = callback
        self.plan = plan
        self.total = total_slots
        self.known = total_slots - plan.missing_candles
        self.requests = self.candles = self.writes = 0
        self.archive_files = 0  # archive files stored (each moves ``known`` by its days)
        self.archive_unreachable = False  # the archive host failed once: REST only for this fetch
        self.tf_ms = tf_ms

    def progress(self) -> Progress:
        return Progress(
            min(self.known, self.total), self.total, len(self.plan.spans), self.requests, self.plan.requests
        )

    async def page_done(self, span_ms: int) -> None:
        self.known += span_ms // self.tf_ms
        await report(self.callback, self.progress())
