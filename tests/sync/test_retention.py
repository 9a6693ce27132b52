"""A watched target's ``retention_days``: the sync deletes its older candles (and their coverage)."""

from __future__ import annotations

from shared.sync.runner import run_sync
from shared.sync.targets import TargetStore
from tests.sync.helpers import BACKFILL_DAYS, BTC, ETH, HOUR

DAY = 86_400_000


async def stored(store, series, start, end) -> list[int]:
    out: list[int] = []
    async for batch in store.read(series, start, end):
        out.extend(batch.column("timestamp").to_pylist())
    return out


async def test_the_sync_deletes_what_is_older_than_the_retention(backend, service, exchange_emulator):
    now = exchange_emulator.clock.now_ms
    targets = TargetStore(backend, [], clock=lambda: now / 1000)
    assert await targets.add(BTC, retention_days=1) is True
    assert await targets.add(ETH) is True  # no retention: keeps everything
    summary = await run_sync(service, targets, concurrency_per_exchange=2)
    assert summary.ok == 2
    cutoff = now - DAY
    early = now - BACKFILL_DAYS * DAY - HOUR
    btc = await stored(service.store, BTC, early, now)
    assert btc and min(btc) >= cutoff  # the first sync backfilled 3 days; retention kept 1
    assert summary.candles_pruned > 0 and "past their retention deleted" in summary.log_line()
    assert await service.store.missing(BTC, early, cutoff - cutoff % HOUR) != []  # not covered: refetchable
    eth = await stored(service.store, ETH, early, now)
    assert min(eth) < cutoff - DAY  # ETH untouched
    states = {s.series: s for s in await targets.list()}
    assert states[BTC].retention_days == 1 and states[ETH].retention_days is None
    assert await targets.add(BTC) is False  # a put without retention clears it
    assert (await targets.get(BTC)).retention_days is None
