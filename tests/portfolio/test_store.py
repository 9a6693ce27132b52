"""Snapshots written and read back on both backends (local files, Azurite); history readable by DuckDB;
overlapping runs lose nothing and apply nothing twice."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from shared.portfolio import history
from shared.portfolio.cost import Fill
from shared.portfolio.models import Snapshot, asset_line, totals
from shared.portfolio.state import AccountState
from shared.portfolio.store import PortfolioStore
from tests.emulator.server import ExchangeEmulator
from tests.portfolio.helpers import build_sync, creds, scripted_account

DAY = 86_400_000
T = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def snap(account: str, at: int, price: str = "30000", status: str = "ok") -> Snapshot:
    lines = [
        asset_line("BTC", Decimal(2), Decimal(price), None),
        asset_line("USDT", Decimal(5), Decimal(1), None),
    ]
    return Snapshot(account, "binance", "USDT", at, status, None, lines, totals(lines))


async def no_sleep(_: float) -> None:
    return None


async def test_latest_history_and_state_round_trip(backend) -> None:
    store = PortfolioStore(backend, sleep=no_sleep)
    assert await store.latest("main") is None and await store.history("main", 0, 2 * T) == []
    for n in range(3):  # two on day one, one on day two
        assert await store.append_history(snap("main", T + n * DAY // 2, price=str(30_000 + n)))
        assert await store.save_latest(snap("main", T + n * DAY // 2, price=str(30_000 + n)))
    latest = await store.latest("main")
    assert latest["taken_at"] == T + DAY and latest["assets"][0]["price"] == 30_002.0
    assert await store.accounts() == ["main"]
    keys = [o.key for o in await backend.list("portfolio/account=main/")]
    assert keys == [
        "portfolio/account=main/year=2026/month=01/2026-01-01.parquet",
        "portfolio/account=main/year=2026/month=01/2026-01-02.parquet",
    ]
    rows = await store.history("main", T, T + DAY)  # [start, end): the first two syncs
    assert [(r["taken_at"], r["asset"], r["price"]) for r in rows] == [
        (T, "BTC", 30_000.0),
        (T, "USDT", 1.0),
        (T + DAY // 2, "BTC", 30_001.0),
        (T + DAY // 2, "USDT", 1.0),
    ]
    assert not await store.append_history(snap("main", T))  # the same sync again adds nothing
    assert len(await store.history("main", 0, 2 * T)) == 6
    assert not await store.save_latest(snap("main", T))  # an older snapshot never replaces a newer one

    fill = Fill("1", T, "BTC", "USDT", "buy", Decimal(1), Decimal(10))
    await store.update_state("main", lambda s: s.with_fills({"BTC/USDT": [fill]}, "USDT"))
    state = await store.state("main")
    assert state.holdings["BTC"].cost == Decimal(10) and state.cursor("BTC/USDT").ids == ("1",)


async def test_overlapping_state_writes_apply_each_trade_once(backend) -> None:
    store = PortfolioStore(backend)  # real, jittered backoff between conflicting attempts
    fills = [Fill(str(i), T + i, "BTC", "USDT", "buy", Decimal(1), Decimal(i)) for i in range(1, 21)]

    async def run(part: list[Fill]) -> None:
        await store.update_state("a", lambda s: s.with_fills({"BTC/USDT": part}, "USDT"))

    # five overlapping runs, each with an overlapping slice of the same history
    await asyncio.gather(*(run(fills[: 4 * k + 4]) for k in range(5)))
    state = await store.state("a")
    assert state.trades_applied == 20 and state.holdings["BTC"].quantity == Decimal(20)
    assert state.holdings["BTC"].cost == sum(Decimal(i) for i in range(1, 21))


async def test_failed_snapshot_overlapping_a_good_one(backend) -> None:
    store = PortfolioStore(backend, sleep=no_sleep)
    await asyncio.gather(
        store.save_latest(snap("a", T + 1)), store.save_latest(snap("a", T, status="failed"))
    )
    latest = await store.latest("a")
    assert latest["taken_at"] == T + 1 and latest["status"] == "ok"


@pytest.mark.emulator
async def test_synced_history_is_readable_by_duckdb(
    exchange_emulator: ExchangeEmulator, local_backend, tmp_path: Path
) -> None:
    emu = exchange_emulator
    scripted_account(emu, "binance", "k", "s")
    scripted_account(emu, "okx", "k2", "s2")
    sync = build_sync(
        emu,
        local_backend,
        [{"name": "bin", "exchange": "binance"}, {"name": "okx_main", "exchange": "okx"}],
        {"bin": creds("binance", "k", "s"), "okx_main": creds("okx", "k2", "s2")},
    )
    await sync.run()
    emu.clock.advance(1800)
    await sync.run()
    root = tmp_path / "store" / "portfolio"
    query = (
        f"SELECT account, year, month, count(*) AS n, count(DISTINCT taken_at) AS syncs, "
        f"max(average_entry) FILTER (asset = 'BTC') AS btc_avg "
        f"FROM read_parquet('{root}/account=*/*/*/*.parquet', hive_partitioning = true) "
        f"GROUP BY ALL ORDER BY account"
    )
    result = duckdb.sql(query).fetchall()
    assert [(a, str(y), str(m), n, s) for a, y, m, n, s, _ in result] == [
        ("bin", "2026", "1", 8, 2),
        ("okx_main", "2026", "1", 8, 2),
    ] or [(a, str(y), str(m), n, s) for a, y, m, n, s, _ in result] == [
        ("bin", "2026", "01", 8, 2),
        ("okx_main", "2026", "01", 8, 2),
    ]
    assert all(row[5] == pytest.approx(26_180.0) for row in result)


def test_day_key_is_a_hive_path() -> None:
    assert (
        history.day_key("main", T + DAY - 1) == "portfolio/account=main/year=2026/month=01/2026-01-01.parquet"
    )
    assert AccountState().cursor("x").ts == -1
