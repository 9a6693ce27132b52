"""Building a portfolio sync against the exchange emulator, and the scripted history the tests share."""

from __future__ import annotations

from typing import Any

from shared.portfolio.credentials import account_keys
from shared.portfolio.runner import PortfolioSync
from shared.portfolio.settings import load_portfolio_settings
from shared.portfolio.store import PortfolioStore
from shared.storage.backend import StorageBackend
from tests.emulator.accounts import ScriptedAccount
from tests.emulator.fixtures import LISTING_MS, emulator_settings
from tests.emulator.server import ExchangeEmulator

DAY = 86_400_000
T0 = LISTING_MS + 10 * DAY
PASSPHRASE = "pass-PHRASE-okx-77"


def markets(emu: ExchangeEmulator, exchange: str, *symbols: str) -> None:
    for n, symbol in enumerate(symbols):
        if symbol not in emu.markets[exchange]:
            emu.add_series(exchange, symbol, seed=10 + n, base_price=100.0, listing_ms=LISTING_MS)


def scripted_account(emu: ExchangeEmulator, exchange: str, key: str, secret: str) -> ScriptedAccount:
    """The history worked out by hand in test_snapshot.py (BTC), plus ETH without trades, USDT, and DOGE
    without a market."""
    markets(emu, exchange, "BTC/USDT", "ETH/USDT")
    emu.private.set_price(exchange, "BTC/USDT", 30_000.0)
    emu.private.set_price(exchange, "ETH/USDT", 2_500.0)
    password = PASSPHRASE if exchange == "okx" else None
    acct = emu.private.add_account(exchange, key, secret, password=password,
                                   balances={"BTC": 2.0, "ETH": 3.0, "USDT": 1_000.0, "DOGE": 100.0})  # fmt: skip
    acct.trade("BTC/USDT", "buy", amount=2.0, price=20_000.0, ts=T0, fee=40.0)
    acct.trade("BTC/USDT", "sell", amount=1.0, price=25_000.0, ts=T0 + DAY, fee=25.0)
    acct.trade("BTC/USDT", "sell", amount=1.0, price=22_000.0, ts=T0 + 2 * DAY)  # full exit
    acct.trade("BTC/USDT", "buy", amount=0.5, price=24_000.0, ts=T0 + 3 * DAY)  # re-entry
    acct.trade("BTC/USDT", "buy", amount=1.01, price=27_000.0, ts=T0 + 4 * DAY, fee=0.01, fee_asset="BTC")
    return acct


def build_sync(
    emu: ExchangeEmulator,
    backend: StorageBackend,
    accounts: list[dict[str, Any]],
    credentials: dict[str, dict[str, str]],
    **portfolio: Any,
) -> PortfolioSync:
    ccxt = emulator_settings(emu)
    settings = load_portfolio_settings(
        ccxt.exchanges, local_settings_file=None,
        portfolio={"accounts": accounts, "credentials": credentials, **portfolio},
    )  # fmt: skip

    async def no_sleep(_: float) -> None:
        return None

    return PortfolioSync(settings, account_keys(settings), ccxt, PortfolioStore(backend, sleep=no_sleep),
                         clock=emu.clock, sleep=no_sleep)  # fmt: skip


def creds(exchange: str, key: str, secret: str) -> dict[str, str]:
    out = {"api_key": key, "secret": secret}
    if exchange == "okx":
        out["password"] = PASSPHRASE
    return out
