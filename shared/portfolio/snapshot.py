"""One account's sync, a straight line: markets, balances, prices, new trades -> cost, positions.

Balances are ``fetch_balance``'s totals with zeros dropped. Prices come from one ``fetch_tickers``
call for the markets ``<asset>/<quote>`` that exist; an asset without such a market (or delisted) is
kept with no price, and the quote currency is priced 1. The trade history is read incrementally
(trades.py) and folded into the stored cost state (state.py, written conditionally by store.py).
Derivatives positions are read when the account lists ``swap``/``future`` and ccxt supports them.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from shared.portfolio import trades
from shared.portfolio.cost import Fill
from shared.portfolio.exchange import AccountExchange
from shared.portfolio.models import Snapshot, asset_line, totals
from shared.portfolio.settings import PortfolioAccount
from shared.portfolio.store import PortfolioStore

log = logging.getLogger(__name__)
POSITION_FIELDS = (
    "symbol",
    "side",
    "contracts",
    "contractSize",
    "entryPrice",
    "markPrice",
    "notional",
    "unrealizedPnl",
    "percentage",
    "leverage",
    "marginMode",
    "liquidationPrice",
)


async def take_snapshot(
    account: PortfolioAccount, exchange: AccountExchange, store: PortfolioStore, now_ms: int
) -> Snapshot:
    quote = account.quote
    markets = await exchange.markets()
    balance = await exchange.call("fetch_balance")
    held = {a: Decimal(str(q)) for a, q in (balance.get("total") or {}).items() if q and float(q) > 0}
    symbols = sorted(f"{a}/{quote}" for a in held if f"{a}/{quote}" in markets)
    tickers = await exchange.call("fetch_tickers", symbols) if symbols else {}
    prices = {quote: Decimal(1)} | {s.split("/")[0]: p for s in symbols if (p := _price(tickers.get(s)))}

    state = await store.state(account.name)
    by_stream: dict[str, list[Fill]] = {}
    for stream in trades.streams(exchange.exchange_id, set(symbols), set(state.cursors)):
        if stream != trades.ALL and stream not in markets:
            continue  # delisted: its trades can no longer be asked for; the stored cost stays
        raw = await trades.fetch_new(exchange, stream, state.cursor(stream))
        by_stream[stream] = [f for t in raw if (f := trades.to_fill(t, account.name)) is not None]
    new = state.with_fills(by_stream, quote)  # what the log shows; the write may re-apply on a newer state
    saved = await store.update_state(account.name, lambda current: current.with_fills(by_stream, quote))

    lines = [
        asset_line(a, q, prices.get(a), saved.holdings.get(a) if a != quote else None)
        for a, q in sorted(held.items())
    ]
    for line in lines:
        if line.price is None:
            log.info(
                "portfolio %s: no %s/%s market: %s is kept without a price",
                account.name,
                line.asset,
                quote,
                line.asset,
            )
    positions = await _positions(account, exchange)
    return Snapshot(
        account.name,
        exchange.exchange_id,
        quote,
        now_ms,
        "ok",
        None,
        lines,
        totals(lines),
        positions,
        new.trades_applied - state.trades_applied,
        exchange.requests_made,
    )


def _price(ticker: dict[str, Any] | None) -> Decimal | None:
    if not ticker:
        return None
    last = ticker.get("last") if ticker.get("last") is not None else ticker.get("close")
    return Decimal(str(last)) if last is not None and float(last) > 0 else None


async def _positions(account: PortfolioAccount, exchange: AccountExchange) -> list[dict[str, Any]]:
    if not account.derivatives:
        return []
    if not await exchange.supports("fetchPositions"):
        log.info("portfolio %s: %s has no positions API in ccxt", account.name, exchange.exchange_id)
        return []
    rows = await exchange.call("fetch_positions")
    return [{k: row.get(k) for k in POSITION_FIELDS} for row in rows if row.get("contracts")]
