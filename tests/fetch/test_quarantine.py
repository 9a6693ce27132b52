"""A corrupt or unreadable partition is quarantined, not fatal (both backends): moved to
``quarantine/...`` with a reason, its coverage forgotten so the next request refetches its span;
other partitions, other series and the catalog keep working; health says ``degraded`` with the
count; a job that meets it fails once with STORAGE_ERROR instead of being retried."""

from __future__ import annotations

import json

import pytest

from shared.errors import CorruptPartitionError
from shared.series import SeriesKey
from shared.store import layout
from shared.store.quarantine import REASON, ROOT
from tests.fetch.helpers import BTC, MIN, NOW_SLOT, fetch_rows, klines

ETH = SeriesKey("binance", "ETH/USDT", "1m")
START, END = NOW_SLOT - 1_000 * MIN, NOW_SLOT - 100 * MIN  # two monthly partitions: Dec and Jan
JAN = layout.partition_bounds(NOW_SLOT, MIN)[0]


def truth(emu, series=BTC, start=START, end=END):
    return emu.ground_truth(series.exchange, series.symbol, series.timeframe, start, end)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]  # an upload cut short: no footer


def body_garbled(data: bytes) -> bytes:
    footer = int.from_bytes(data[-8:-4], "little") + 8
    return data[:4] + bytes(len(data) - footer - 4) + data[-footer:]  # footer intact, pages zeroed


async def corrupt(service, how) -> str:
    key = layout.partition_key(BTC, JAN)
    stored = await service.store.backend.read(key)
    assert stored is not None
    await service.store.backend.write(key, how(stored.data))
    return key


async def quarantined(backend) -> list[dict]:
    reasons = [i.key for i in await backend.list(ROOT) if i.key.endswith("/" + REASON)]
    return [json.loads((await backend.read(k)).data) for k in reasons]


async def test_a_truncated_partition_is_set_aside_and_its_span_refetched(service, exchange_emulator):
    await fetch_rows(service, BTC, START, END)
    await fetch_rows(service, ETH, START, END)
    key = await corrupt(service, truncated)

    catalog = {i.series: i for i in await service.store.catalog()}  # still works, for every series
    assert catalog[ETH].count == len(truth(exchange_emulator, ETH))
    assert catalog[BTC].partitions == 1  # December's partition is still there
    [record] = await quarantined(service.store.backend)
    assert record["key"] == key and "Parquet" in record["reason"]
    assert await service.store.backend.read(key) is None
    assert await service.store.quarantine.count() == 1
    assert await service.store.missing(BTC, START, END) == [(JAN, END)]  # coverage forgotten

    exchange_emulator.reset_counts()
    assert await fetch_rows(service, BTC, START, END) == truth(exchange_emulator)
    assert klines(exchange_emulator) == 1  # only January's span, once
    assert await service.store.missing(BTC, START, END) == []


async def test_a_garbled_body_fails_one_read_then_is_refetched(service, exchange_emulator):
    await fetch_rows(service, BTC, START, END)
    key = await corrupt(service, body_garbled)
    with pytest.raises(CorruptPartitionError) as caught:  # the footer reads fine: found while serving
        await fetch_rows(service, BTC, START, END)
    assert caught.value.code == "STORAGE_ERROR"
    assert await service.store.backend.read(key) is None and await service.store.quarantine.count() == 1
    assert await fetch_rows(service, BTC, START, END) == truth(exchange_emulator)


async def test_a_write_over_a_corrupt_partition_replaces_it(service, exchange_emulator):
    await fetch_rows(service, BTC, START, END)
    key = await corrupt(service, truncated)
    rows = truth(exchange_emulator, start=NOW_SLOT - 50 * MIN, end=NOW_SLOT - 40 * MIN)
    await service.store.write(BTC, rows, (NOW_SLOT - 50 * MIN, NOW_SLOT - 40 * MIN))
    assert await service.store.quarantine.count() == 1
    assert await service.store.backend.read(key) is not None
    assert await service.store.missing(BTC, JAN, NOW_SLOT - 40 * MIN) == [(JAN, NOW_SLOT - 50 * MIN)]


async def test_health_is_degraded_with_the_count(service, exchange_emulator, exchange_settings):
    from shared.health.parts import storage_part

    part = await storage_part(service.store.backend, "local", service.store.quarantine)
    assert (part.status, part.code) == ("ok", "OK")
    await fetch_rows(service, BTC, START, END)
    await corrupt(service, truncated)
    await service.store.catalog()
    part = await storage_part(service.store.backend, "local", service.store.quarantine)
    assert part.to_dict() == {
        "status": "degraded",
        "code": "PARTITIONS_QUARANTINED",
        "type": "local",
        "quarantined": 1,
    }
