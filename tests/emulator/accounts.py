"""Scripted private accounts for the emulator: balances, trade histories, positions, prices.

Tests register an account under its API key; the private dialects (binance_private.py,
okx_private.py) look the key up, verify the request's signature with the account's secret, and serve
its data. Every private request is logged in ``requests`` as (exchange, endpoint, query) so tests can
assert what was asked (e.g. that a second sync only asks for new trades)::

    book = emu.private
    acct = book.add_account("binance", api_key="k1", secret="s1", balances={"BTC": 1.5, "USDT": 100})
    acct.trade("BTC/USDT", "buy", amount=1.0, price=20_000, ts=..., fee=10, fee_asset="USDT")
    book.set_price("binance", "BTC/USDT", 30_000)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScriptedTrade:
    id: int
    symbol: str  # "BTC/USDT"
    side: str  # "buy" or "sell"
    amount: float  # base quantity
    price: float
    ts: int
    fee: float = 0.0
    fee_asset: str | None = None  # None: the quote currency

    @property
    def base(self) -> str:
        return self.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("/")[1]

    @property
    def fee_currency(self) -> str:
        return self.fee_asset or self.quote


@dataclass
class ScriptedAccount:
    exchange: str
    api_key: str
    secret: str
    password: str | None = None
    balances: dict[str, float] = field(default_factory=dict)
    trades: list[ScriptedTrade] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(
        default_factory=list
    )  # OKX rows, e.g. {"instId": ..., "pos": ...}

    def trade(
        self, symbol: str, side: str, *, amount: float, price: float, ts: int, **kw: Any
    ) -> ScriptedTrade:
        scripted = ScriptedTrade(len(self.trades) + 1, symbol, side, amount, price, ts, **kw)
        self.trades.append(scripted)
        return scripted

    def trades_of(self, symbol: str | None) -> list[ScriptedTrade]:
        """The account's trades (of one symbol, or all), oldest first (ts, then id)."""
        chosen = [t for t in self.trades if symbol is None or t.symbol == symbol]
        return sorted(chosen, key=lambda t: (t.ts, t.id))


class PrivateBook:
    def __init__(self) -> None:
        self.accounts: dict[tuple[str, str], ScriptedAccount] = {}
        self.prices: dict[tuple[str, str], float] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def add_account(self, exchange: str, api_key: str, secret: str, **kw: Any) -> ScriptedAccount:
        account = self.accounts[(exchange, api_key)] = ScriptedAccount(exchange, api_key, secret, **kw)
        return account

    def account(self, exchange: str, api_key: str) -> ScriptedAccount | None:
        return self.accounts.get((exchange, api_key))

    def set_price(self, exchange: str, symbol: str, price: float) -> None:
        self.prices[(exchange, symbol)] = price

    def log(self, exchange: str, endpoint: str, query: Any) -> None:
        self.requests.append((exchange, endpoint, dict(query)))

    def asked(self, exchange: str, endpoint: str) -> list[dict[str, str]]:
        """The query of every logged request to this endpoint, in order."""
        return [q for ex, ep, q in self.requests if ex == exchange and ep == endpoint]
