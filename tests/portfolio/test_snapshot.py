"""One account's snapshot against the emulator, both dialects: balances, prices, average entry from a
scripted history (worked out by hand below), P/L, unknown cost, assets without a market."""

from __future__ import annotations

import logging

import pytest

from tests.emulator.server import ExchangeEmulator
from tests.portfolio.helpers import DAY, T0, build_sync, creds, markets, scripted_account

pytestmark = pytest.mark.emulator
DIALECTS = ["binance", "okx"]

# The BTC history (helpers.scripted_account), by hand, average-cost method:
#   buy 2 @ 20000, fee 40 USDT     -> qty 2,   cost 40040 (avg 20020)
#   sell 1 @ 25000, fee 25 USDT    -> qty 1,   cost 20020 (avg unchanged); realised 25000-20020-25 = 4955
#   sell 1 @ 22000                 -> full exit: qty 0, cost 0;            realised += 1980 -> 6935
#   buy 0.5 @ 24000                -> qty 0.5, cost 12000 (a fresh average)
#   buy 1.01 @ 27000, fee 0.01 BTC -> qty 1.5 (1.01 - 0.01 received), cost 12000 + 27270 = 39270
# average entry 39270 / 1.5 = 26180. Held 2 BTC: 1.5 explained, 0.5 came from a deposit (unknown cost).
# At 30000: value 60000, unrealised (30000 - 26180) * 1.5 = 5730, = 14.5913...% of the 39270 basis.
AVG = 26_180.0


def line(snapshot, asset):
    return next(a for a in snapshot.assets if a.asset == asset)


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_balances_prices_average_entry_and_pnl(
    exchange_emulator: ExchangeEmulator, local_backend, exchange
) -> None:
    emu = exchange_emulator
    scripted_account(emu, exchange, "key-1", "secret-1")
    sync = build_sync(
        emu,
        local_backend,
        [{"name": "main", "exchange": exchange}],
        {"main": creds(exchange, "key-1", "secret-1")},
    )
    summary = await sync.run()
    assert (summary.ok, summary.failed, summary.new_trades) == (1, 0, 5)
    snap = summary.snapshots[0]
    assert snap.status == "ok" and {a.asset for a in snap.assets} == {"BTC", "ETH", "USDT", "DOGE"}

    btc = line(snap, "BTC")
    assert btc.quantity == 2.0 and btc.price == 30_000.0 and btc.value == 60_000.0
    assert btc.average_entry == pytest.approx(AVG)
    assert (btc.explained_quantity, btc.unexplained_quantity) == (1.5, 0.5)
    assert btc.cost_basis == pytest.approx(39_270.0)
    assert btc.unrealised_pnl == pytest.approx(5_730.0)
    assert btc.unrealised_pnl_pct == pytest.approx((30_000 / AVG - 1) * 100)
    assert btc.realised_pnl == pytest.approx(6_935.0)

    eth = line(snap, "ETH")  # held, priced, but no trades: all of it has unknown cost
    assert (eth.price, eth.value, eth.average_entry, eth.explained_quantity, eth.unrealised_pnl) == (
        2_500.0,
        7_500.0,
        None,
        0.0,
        None,
    )
    usdt = line(snap, "USDT")
    assert (usdt.price, usdt.value) == (1.0, 1_000.0)
    doge = line(snap, "DOGE")  # no DOGE/USDT market: kept, without a price, not an error
    assert (doge.quantity, doge.price, doge.value) == (100.0, None, None)

    assert snap.totals.value == pytest.approx(68_500.0)
    assert snap.totals.cost_basis == pytest.approx(39_270.0)
    assert snap.totals.unrealised_pnl == pytest.approx(5_730.0)
    assert snap.totals.unrealised_pnl_pct == pytest.approx(5_730 / 39_270 * 100)
    assert snap.totals.unpriced_assets == ["DOGE"]


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_second_sync_asks_only_for_new_trades(
    exchange_emulator: ExchangeEmulator, local_backend, exchange
) -> None:
    emu = exchange_emulator
    acct = scripted_account(emu, exchange, "key-1", "secret-1")
    sync = build_sync(
        emu,
        local_backend,
        [{"name": "main", "exchange": exchange}],
        {"main": creds(exchange, "key-1", "secret-1")},
    )
    await sync.run()
    endpoint = "myTrades" if exchange == "binance" else "fills-history"
    first = emu.private.asked(exchange, endpoint)
    acct.trade("BTC/USDT", "sell", amount=0.5, price=31_000.0, ts=T0 + 5 * DAY)
    emu.clock.advance(60)
    summary = await sync.run()
    assert summary.new_trades == 1
    asked = emu.private.asked(exchange, endpoint)[len(first) :]
    if exchange == "binance":
        assert [q["fromId"] for q in first if q["symbol"] == "BTCUSDT"] == ["0"]
        assert [q["fromId"] for q in asked if q["symbol"] == "BTCUSDT"] == ["6"]  # after trade id 5
    else:
        assert "begin" not in first[0]
        assert [q.get("begin") for q in asked] == [str(T0 + 4 * DAY)]  # from the last applied trade
    btc = line(summary.snapshots[0], "BTC")  # sold 0.5 at the average: average unchanged
    assert btc.average_entry == pytest.approx(AVG) and btc.explained_quantity == 1.0
    # a third sync with nothing new changes nothing (the overlap at the cursor is not counted twice)
    again = await sync.run()
    assert again.new_trades == 0
    assert line(again.snapshots[0], "BTC").average_entry == pytest.approx(AVG)


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_paging_through_a_long_history(
    exchange_emulator: ExchangeEmulator, local_backend, exchange
) -> None:
    emu = exchange_emulator
    markets(emu, exchange, "BTC/USDT")
    emu.private.set_price(exchange, "BTC/USDT", 10.0)
    acct = emu.private.add_account(
        exchange,
        "k",
        "s",
        password="pass-PHRASE-okx-77" if exchange == "okx" else None,
        balances={"BTC": 2_500.0},
    )
    for i in range(2_500):  # more than two pages on both (Binance 1000, OKX 100)
        acct.trade("BTC/USDT", "buy", amount=1.0, price=float(1 + i % 2), ts=T0 + i * 1000)
    sync = build_sync(
        emu, local_backend, [{"name": "a", "exchange": exchange}], {"a": creds(exchange, "k", "s")}
    )
    summary = await sync.run()
    assert summary.new_trades == 2_500
    btc = line(summary.snapshots[0], "BTC")
    assert btc.average_entry == pytest.approx(1.5) and btc.explained_quantity == 2_500.0


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_delisted_asset_kept_without_price_with_its_cost(
    exchange_emulator: ExchangeEmulator, local_backend, exchange
) -> None:
    emu = exchange_emulator
    markets(emu, exchange, "LUNA/USDT")
    acct = emu.private.add_account(
        exchange,
        "k",
        "s",
        password="pass-PHRASE-okx-77" if exchange == "okx" else None,
        balances={"LUNA": 10.0},
    )
    acct.trade("LUNA/USDT", "buy", amount=10.0, price=5.0, ts=T0)
    emu.private.set_price(exchange, "LUNA/USDT", 4.0)
    sync = build_sync(
        emu, local_backend, [{"name": "a", "exchange": exchange}], {"a": creds(exchange, "k", "s")}
    )
    first = line((await sync.run()).snapshots[0], "LUNA")
    assert (first.price, first.average_entry, first.unrealised_pnl) == (4.0, 5.0, -10.0)
    del emu.markets[exchange]["LUNA/USDT"]  # delisted
    emu.clock.advance(60)
    summary = await sync.run()
    assert summary.ok == 1
    luna = line(summary.snapshots[0], "LUNA")
    assert (luna.quantity, luna.price, luna.value, luna.average_entry) == (10.0, None, None, 5.0)


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_zero_amount_and_unknown_symbol_trades_skipped_with_a_warning(
    exchange_emulator: ExchangeEmulator, local_backend, exchange, caplog
) -> None:
    emu = exchange_emulator
    markets(emu, exchange, "BTC/USDT")
    emu.private.set_price(exchange, "BTC/USDT", 10.0)
    acct = emu.private.add_account(
        exchange,
        "k",
        "s",
        password="pass-PHRASE-okx-77" if exchange == "okx" else None,
        balances={"BTC": 1.0},
    )
    acct.trade("BTC/USDT", "buy", amount=1.0, price=8.0, ts=T0)
    acct.trade("BTC/USDT", "buy", amount=0.0, price=9.0, ts=T0 + 1)
    if exchange == "okx":  # OKX serves every symbol's fills in one stream: one we cannot read
        acct.trade("WEIRD", "buy", amount=1.0, price=1.0, ts=T0 + 2, fee_asset="USDT")
    sync = build_sync(
        emu, local_backend, [{"name": "a", "exchange": exchange}], {"a": creds(exchange, "k", "s")}
    )
    with caplog.at_level(logging.WARNING, logger="shared.portfolio"):
        summary = await sync.run()
    assert summary.ok == 1 and line(summary.snapshots[0], "BTC").average_entry == 8.0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("trade 2 on BTC/USDT skipped: zero amount" in w for w in warnings)
    if exchange == "okx":
        assert any("trade 3 skipped: unknown symbol 'WEIRD'" in w for w in warnings)


async def test_okx_positions_when_the_account_enables_derivatives(
    exchange_emulator: ExchangeEmulator, local_backend
) -> None:
    emu = exchange_emulator
    acct = scripted_account(emu, "okx", "k", "s")
    acct.positions.append(
        {
            "instId": "BTC-USDT-SWAP",
            "instType": "SWAP",
            "posSide": "net",
            "pos": "2",
            "avgPx": "25000",
            "markPx": "30000",
            "upl": "100",
            "uplRatio": "0.1",
            "lever": "5",
            "mgnMode": "cross",
            "posId": "1",
            "cTime": "1",
            "uTime": "2",
            "ccy": "USDT",
            "notionalUsd": "600",
        }
    )
    sync = build_sync(
        emu,
        local_backend,
        [
            {"name": "d", "exchange": "okx", "market_types": ["spot", "swap"]},
            {"name": "s", "exchange": "okx"},
        ],
        {"d": creds("okx", "k", "s"), "s": creds("okx", "k", "s")},
    )
    summary = await sync.run()
    by_name = {s.account: s for s in summary.snapshots}
    [position] = by_name["d"].positions
    assert (position["side"], position["contracts"], position["entryPrice"], position["unrealizedPnl"]) == (
        "long",
        2.0,
        25_000.0,
        100.0,
    )
    assert by_name["s"].positions == []
    assert len(emu.private.asked("okx", "positions")) == 1
