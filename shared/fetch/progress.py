"""Progress of a fetch, for progress bars (CLI) and progress messages (Web PubSub)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


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
