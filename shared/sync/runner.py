"""One timer run: sync every watched target, exchanges in parallel, a bounded number per exchange.

Each target goes through ``CandleService.sync`` (from the end of its coverage to the last closed
candle, or a backfill start for a new target); a target with ``retention_days`` then has its candles
older than that deleted (``CandleService.prune``). A failing target - any exception - is caught, counted
and recorded with its error code; it never stops the others. At the end the run logs one summary line
and records every target's outcome in the ``TargetStore`` with one write.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

from shared.errors import DataServiceError
from shared.fetch.service import DAY_MS, SyncResult
from shared.series import SeriesKey
from shared.sync.state import TargetState, describe_error
from shared.sync.targets import Outcome, TargetStore
from shared.telemetry import metrics

log = logging.getLogger(__name__)
MAX_FAILURES_LOGGED = 10


class Syncer(Protocol):
    """What a run needs from ``CandleService``."""

    async def sync(self, series: SeriesKey) -> SyncResult: ...


class Pruner(Protocol):
    """What a run needs to apply a target's retention (``CandleService`` again)."""

    async def prune(self, series: SeriesKey, before_ms: int) -> int: ...


@dataclass(frozen=True, slots=True)
class SyncSummary:
    ok: int
    failed: int
    candles_added: int
    requests: int
    writes: int
    duration_s: float
    # str(series) -> error code, for every failed target
    errors: dict[str, str] = field(default_factory=dict)
    recorded: bool = True  # False when the outcomes could not be stored (logged as an error)
    candles_pruned: int = 0  # deleted by the targets' retention

    def log_line(self) -> str:
        line = (
            f"sync run: {self.ok} targets ok, {self.failed} failed, {self.candles_added} candles added, "
            f"{self.requests} exchange requests, {self.writes} partition writes, {self.duration_s:.2f} s"
        )
        if self.candles_pruned:
            line += f"; {self.candles_pruned} candles past their retention deleted"
        if self.errors:
            shown = list(self.errors.items())[:MAX_FAILURES_LOGGED]
            more = len(self.errors) - len(shown)
            line += "; failed: " + ", ".join(f"{s} {code}" for s, code in shown)
            line += f" (+{more} more)" if more else ""
        return line


async def run_sync(
    candles: Syncer,
    targets: TargetStore,
    *,
    concurrency_per_exchange: int,
    monotonic: Callable[[], float] = time.monotonic,
) -> SyncSummary:
    if concurrency_per_exchange < 1:
        raise ValueError("concurrency_per_exchange must be at least 1")
    started = monotonic()
    states = await targets.list()
    series_list = [state.series for state in states]
    gates = {ex: asyncio.Semaphore(concurrency_per_exchange) for ex in {s.exchange for s in series_list}}
    pruned: list[int] = []

    async def one(state: TargetState) -> Outcome:
        async with gates[state.series.exchange]:
            try:
                result = await candles.sync(state.series)
                if state.retention_days is not None:
                    cutoff = targets.now_ms() - state.retention_days * DAY_MS
                    pruned.append(await cast(Pruner, candles).prune(state.series, cutoff))
                return result
            except Exception as exc:  # one failing target never stops the others
                return exc

    outcomes = await asyncio.gather(*(one(s) for s in states))
    results = [o for o in outcomes if isinstance(o, SyncResult)]
    errors = {str(s): describe_error(o)[0] for s, o in zip(series_list, outcomes, strict=True)
              if not isinstance(o, SyncResult)}  # fmt: skip
    recorded = await _record(targets, list(zip(series_list, outcomes, strict=True)))
    summary = SyncSummary(
        ok=len(results),
        failed=len(errors),
        candles_added=sum(r.candles_added for r in results),
        requests=sum(r.requests for r in results),
        writes=sum(r.partition_writes for r in results),
        duration_s=monotonic() - started,
        errors=errors,
        recorded=recorded,
        candles_pruned=sum(pruned),
    )
    (log.warning if summary.failed else log.info)("%s", summary.log_line())
    metrics.sync_run(summary.ok, summary.failed, summary.candles_added, summary.duration_s)
    for code in summary.errors.values():
        metrics.error(code, "sync")
    return summary


async def _record(targets: TargetStore, outcomes: list[tuple[SeriesKey, Outcome]]) -> bool:
    try:
        await targets.record_many(outcomes)
    except DataServiceError as exc:
        # the candles are stored either way; only the shown state of this run is lost
        log.error("sync run: could not record the targets' state: %s", exc.code)
        return False
    return True
