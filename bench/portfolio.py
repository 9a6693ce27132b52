"""A portfolio sync of 20 accounts (10 Binance, 10 OKX) against the exchange emulator, through real ccxt.

Run from the repo root: ``python bench/portfolio.py [--accounts 20] [--trades 300] [--concurrency 4]``.
Each account holds four assets (three with markets) and a scripted history of ``--trades`` trades.
Prints, for a first (cold: every trade) and a second (incremental: nothing new) run, the wall time
and the requests per account by exchange, next to the floor: ccxt's own throttle (each exchange's
``rateLimit``, kept as ccxt ships it here) times the requests of the slowest account, times the waves
of ``--concurrency`` accounts (each account has its own ccxt client and throttle). ccxt also weighs
each endpoint (``cost``, e.g. Binance ``account`` 5): the second floor counts those weights too.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ccxt.async_support as ccxt

from shared.portfolio.credentials import account_keys
from shared.portfolio.runner import PortfolioSync
from shared.portfolio.settings import load_portfolio_settings
from shared.portfolio.store import PortfolioStore
from shared.storage.local_backend import LocalFileBackend
from tests.emulator import ExchangeEmulator
from tests.emulator.fixtures import LISTING_MS, emulator_settings

EXCHANGES = ("binance", "okx")
# emulator endpoint -> where ccxt keeps its throttle cost (``exchange.api[api][method][path]``)
COSTS = {
    "binance": {
        "exchangeInfo": ("public", "exchangeInfo"),
        "ticker24hr": ("public", "ticker/24hr"),
        "account": ("private", "account"),
        "myTrades": ("private", "myTrades"),
        "marginPairs": ("sapi", "margin/allPairs"),
    },
    "okx": {
        "instruments": ("public", "public/instruments"),
        "tickers": ("public", "market/tickers"),
        "balance": ("private", "account/balance"),
        "fills-history": ("private", "trade/fills-history"),
        "positions": ("private", "account/positions"),
    },
}


def cost(exchange: object, api: str, path: str) -> float:
    entry = exchange.api[api]["get"][path]  # type: ignore[attr-defined]
    return float(entry.get("cost", 1)) if isinstance(entry, dict) else float(entry or 1)


def script(emu: ExchangeEmulator, accounts: int, trades: int) -> tuple[list[dict], dict]:
    for exchange in EXCHANGES:
        for n, symbol in enumerate(("BTC/USDT", "ETH/USDT", "SOL/USDT")):
            emu.add_series(exchange, symbol, seed=n, base_price=100.0 * (n + 1), listing_ms=LISTING_MS)
    configured, credentials = [], {}
    for i in range(accounts):
        exchange = EXCHANGES[i % 2]
        key, secret = f"key-{i}", f"secret-{i}"
        acct = emu.private.add_account(
            exchange,
            key,
            secret,
            password="pw" if exchange == "okx" else None,
            balances={"BTC": 2.0, "ETH": 5.0, "SOL": 50.0, "USDT": 1000.0, "XYZ": 7.0},
        )
        for t in range(trades):
            symbol = ("BTC/USDT", "ETH/USDT", "SOL/USDT")[t % 3]
            acct.trade(
                symbol, "buy" if t % 4 else "sell", amount=0.01, price=100.0 + t, ts=LISTING_MS + t * 60_000
            )
        configured.append({"name": f"acct_{i}", "exchange": exchange})
        credentials[f"acct_{i}"] = {"api_key": key, "secret": secret} | (
            {"password": "pw"} if exchange == "okx" else {}
        )
    return configured, credentials


async def main(accounts: int, trades: int, concurrency: int) -> None:
    emu = ExchangeEmulator()
    configured, credentials = script(emu, accounts, trades)
    await emu.start()
    options = emu.exchange_options(*EXCHANGES)
    for ex in EXCHANGES:  # ccxt's real throttle, not the emulator's 1 ms
        options[ex].pop("rateLimit")
    ccxt_settings = emulator_settings(emu, exchange_options=options)
    settings = load_portfolio_settings(
        ccxt_settings.exchanges,
        local_settings_file=None,
        portfolio={"accounts": configured, "credentials": credentials, "concurrency": concurrency},
    )
    instances = {ex: getattr(ccxt, ex)() for ex in EXCHANGES}
    rate = {ex: instances[ex].rateLimit for ex in EXCHANGES}
    per_exchange = {ex: sum(1 for a in configured if a["exchange"] == ex) for ex in EXCHANGES}
    with tempfile.TemporaryDirectory() as root:
        backend = LocalFileBackend(Path(root))
        sync = PortfolioSync(
            settings, account_keys(settings), ccxt_settings, PortfolioStore(backend), clock=emu.clock
        )
        print(
            f"{accounts} accounts ({', '.join(f'{ex} rateLimit {rate[ex]:g} ms' for ex in EXCHANGES)}), "
            f"{trades} trades each, concurrency {concurrency}"
        )
        for label in ("first sync (all trades)", "second sync (incremental)"):
            emu.reset_counts()
            started = time.perf_counter()
            summary = await sync.run()
            wall = time.perf_counter() - started
            per = {ex: [s.requests for s in summary.snapshots if s.exchange == ex] for ex in EXCHANGES}
            floor = (
                math.ceil(accounts / concurrency) * max(max(per[ex]) * rate[ex] for ex in EXCHANGES) / 1000
            )
            weighted = (
                math.ceil(accounts / concurrency)
                * max(
                    sum(
                        n * cost(instances[ex], *COSTS[ex][ep])
                        for (e, ep), n in emu.counts.items()
                        if e == ex
                    )
                    / per_exchange[ex]
                    * rate[ex]
                    for ex in EXCHANGES
                )
                / 1000
            )
            shown = ", ".join(f"{ex} {sum(v) / len(v):.1f}" for ex, v in per.items())
            print(
                f"{label}: {wall:.2f} s, {summary.ok} ok / {summary.failed} failed, {summary.new_trades} new trades; "
                f"requests per account: {shown}; floor: throttle x requests x waves {floor:.2f} s, "
                f"with ccxt's endpoint weights {weighted:.2f} s"
            )
            emu.clock.advance(1800)
        await backend.close()
    for instance in instances.values():
        await instance.close()
    await emu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--trades", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.accounts, args.trades, args.concurrency))
