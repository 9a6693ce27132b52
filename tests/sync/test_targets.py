"""TargetStore on both storage backends: seeding, round trips, concurrent changes, recording."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from shared.errors import CoinNotAvailableError, StorageError
from shared.fetch.service import SyncResult
from shared.series import SeriesKey
from shared.sync.targets import TARGETS_KEY, TargetStore
from tests.sync.helpers import BTC, ETH, OKX_BTC, CountingBackend

T0 = 1_767_225_600.0


def clock(at: float = T0):
    return lambda: at


def keys(states) -> list[SeriesKey]:
    return [s.series for s in states]


async def test_seeded_from_the_initial_list_once(backend):
    first = TargetStore(backend, [BTC, ETH, BTC], clock=clock())
    states = await first.list()
    assert keys(states) == [BTC, ETH]
    assert all(s.added_at == int(T0 * 1000) and s.last_status is None for s in states)
    assert await backend.read(TARGETS_KEY) is None  # a look writes nothing; the first change does
    assert await first.remove(BTC) is True
    stored = orjson.loads((await backend.read(TARGETS_KEY)).data)
    assert stored["targets"] == [{
        "exchange": "binance", "symbol": "ETH/USDT", "timeframe": "1h", "added_at": int(T0 * 1000),
        "last_run_at": None, "last_status": None, "last_error_code": None, "last_error_message": None,
        "candles_added": None, "retention_days": None,
    }]  # fmt: skip
    # a later start (another instance, or after a restart) with the same SYNC_TARGETS: BTC stays removed
    again = TargetStore(backend, [BTC, ETH, OKX_BTC], clock=clock(T0 + 60))
    assert keys(await again.list()) == [ETH]


async def test_the_seed_is_not_reapplied_when_everything_was_removed(backend):
    store = TargetStore(backend, [BTC])
    assert await store.remove(BTC) is True
    assert await TargetStore(backend, [BTC]).list() == []


async def test_first_touch_by_a_change_also_writes_the_seed(backend):
    store = TargetStore(backend, [BTC])
    assert await store.add(ETH) is True
    assert keys(await TargetStore(backend, []).list()) == [BTC, ETH]


async def test_add_remove_list_round_trip(backend):
    store = TargetStore(backend, [], clock=clock())
    assert await store.list() == []
    assert await store.add(ETH) is True
    assert await store.add(OKX_BTC) is True
    assert await store.add(ETH) is False
    assert keys(await store.list()) == [ETH, OKX_BTC]
    assert (await store.get(OKX_BTC)).added_at == int(T0 * 1000)
    assert await store.remove(ETH) is True
    assert await store.remove(ETH) is False
    assert keys(await store.list()) == [OKX_BTC]
    assert await store.get(ETH) is None


async def test_concurrent_adds_from_several_instances_all_land(backend):
    stores = [TargetStore(backend, [BTC]) for _ in range(4)]  # four "instances", one object
    wanted = [SeriesKey("binance", f"C{i}/USDT", "1h") for i in range(16)]
    results = await asyncio.gather(*(stores[i % 4].add(s) for i, s in enumerate(wanted)))
    assert all(results)
    assert set(keys(await stores[0].list())) == {BTC, *wanted}


async def test_concurrent_removes_adds_and_a_recording_lose_nothing(backend):
    seed = [SeriesKey("okx", f"S{i}/USDT", "1h") for i in range(8)]
    store = TargetStore(backend, seed)
    extra = SeriesKey("okx", "X/USDT", "1h")
    await store.add(extra)  # the first change writes the seed
    await store.remove(extra)
    other = TargetStore(backend, [])
    result = SyncResult(seed[0], 5, 1, 1, 0, 0)
    await asyncio.gather(
        *(store.remove(s) for s in seed[4:]),
        *(other.add(SeriesKey("binance", f"N{i}/USDT", "1m")) for i in range(4)),
        other.record_many([(s, result) for s in seed]),
    )
    states = {s.series: s for s in await store.list()}
    assert set(states) == set(seed[:4]) | {SeriesKey("binance", f"N{i}/USDT", "1m") for i in range(4)}
    assert all(states[s].last_status == "ok" and states[s].candles_added == 5 for s in seed[:4])


async def test_record_keeps_the_last_run_and_never_re_adds_a_removed_target(backend):
    store = TargetStore(backend, [BTC, ETH], clock=clock(T0 + 3600))
    await store.record(BTC, SyncResult(BTC, 42, 1, 1, 0, 0))
    await store.record(ETH, CoinNotAvailableError("ETH/USDT is not listed on binance"))
    await store.remove(ETH)
    assert await store.record_many([(ETH, SyncResult(ETH, 1, 1, 1, 0, 0))]) == 0
    btc = await store.get(BTC)
    assert (btc.last_status, btc.candles_added, btc.last_run_at) == ("ok", 42, int((T0 + 3600) * 1000))
    assert await store.get(ETH) is None
    await store.add(ETH)
    await store.record(ETH, CoinNotAvailableError("ETH/USDT is not listed on binance"))
    eth = await store.get(ETH)
    assert (eth.last_status, eth.last_error_code) == ("failed", "COIN_NOT_AVAILABLE")
    assert eth.last_error_message == "ETH/USDT is not listed on binance"
    await store.record(ETH, SyncResult(ETH, 3, 1, 1, 0, 0))  # a later success clears the error
    eth = await store.get(ETH)
    assert (eth.last_status, eth.last_error_code, eth.last_error_message) == ("ok", None, None)


async def test_an_unchanged_read_does_not_write(local_backend):
    counting = CountingBackend(local_backend)
    store = TargetStore(counting, [BTC])
    await store.list()
    await store.list()
    await store.add(BTC)
    await store.remove(ETH)
    assert counting.writes[TARGETS_KEY] == 0  # not even the seed: nothing changed


async def test_gives_up_with_a_storage_error_after_conflicts_in_a_row(local_backend):
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    store = TargetStore(
        CountingBackend(local_backend, conflict_keys=(TARGETS_KEY,)), [], max_attempts=5, sleep=sleep
    )
    with pytest.raises(StorageError) as caught:
        await store.add(BTC)
    assert caught.value.code == "STORAGE_ERROR"
    assert len(delays) == 4 and all(0 <= d <= 1.0 for d in delays)


async def test_a_corrupt_object_is_reported_and_left_alone(backend):
    await backend.write(TARGETS_KEY, b"{not json")
    store = TargetStore(backend, [BTC])
    with pytest.raises(StorageError):
        await store.list()
    with pytest.raises(StorageError):
        await store.add(ETH)
    assert (await backend.read(TARGETS_KEY)).data == b"{not json"


async def test_a_hand_edited_invalid_entry_is_skipped(backend):
    entries = [
        {"exchange": "binance", "symbol": "../../etc", "timeframe": "1h"},
        {"exchange": "binance", "symbol": "ETH/USDT", "timeframe": "1M"},
        {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1h", "added_at": 7},
        "not an object",
    ]
    await backend.write(TARGETS_KEY, orjson.dumps({"version": 1, "targets": entries}))
    states = await TargetStore(backend, []).list()
    assert keys(states) == [BTC] and states[0].added_at == 7
