"""Fetching only the trades a sync has not seen yet, and turning ccxt trades into ``Fill``s.

How each exchange is paged (what its API allows):

- **Binance** needs a symbol per request. We ask for every market ``<asset>/<quote>`` of an asset held
  now, plus every symbol the account has a cursor for (assets traded before), and page by trade id
  (``fromId`` = the cursor's next id, 1000 per page): ids only grow, so nothing is skipped.
- **OKX** serves the fills of all symbols at once (``instType=SPOT``), newest first, 100 a page: we
  ask from the cursor's time (``begin``) and page back with ``after=<oldest billId>``.
- any other exchange: per symbol, from the cursor's time, one page.

Trades with an unknown symbol, a zero amount or price, or an unknown side are skipped with a warning.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.portfolio.cost import Fill
from shared.portfolio.exchange import AccountExchange
from shared.portfolio.state import ALL, Cursor

log = logging.getLogger(__name__)
BINANCE_PAGE = 1000
OKX_PAGE = 100
MAX_PAGES = 1000  # a runaway guard: 1M Binance trades of one symbol in one sync


def streams(exchange_id: str, symbols: set[str], known: set[str]) -> list[str]:
    """The trade streams to read: ``*`` where one stream holds every symbol, else the symbols."""
    if exchange_id == "okx":
        return [ALL]
    return sorted((symbols | known) - {ALL})


async def fetch_new(exchange: AccountExchange, stream: str, cursor: Cursor) -> list[dict[str, Any]]:
    if exchange.exchange_id == "binance":
        return await _by_id(exchange, stream, cursor)
    if exchange.exchange_id == "okx":
        return await _okx_pages(exchange, cursor)
    since = cursor.ts if cursor.ts >= 0 else None
    return list(await exchange.call("fetch_my_trades", stream, since))


async def _by_id(exchange: AccountExchange, symbol: str, cursor: Cursor) -> list[dict[str, Any]]:
    trades: list[dict[str, Any]] = []
    from_id = cursor.from_id or 0
    for _ in range(MAX_PAGES):
        page = await exchange.call("fetch_my_trades", symbol, None, BINANCE_PAGE, {"fromId": from_id})
        trades += page
        ids = [int(t["id"]) for t in page if str(t.get("id", "")).isdigit()]
        if len(page) < BINANCE_PAGE or not ids:
            break
        from_id = max(ids) + 1
    return trades


async def _okx_pages(exchange: AccountExchange, cursor: Cursor) -> list[dict[str, Any]]:
    since = cursor.ts if cursor.ts >= 0 else None
    trades: list[dict[str, Any]] = []
    params: dict[str, str] = {"instType": "SPOT"}
    for _ in range(MAX_PAGES):
        page = await exchange.call("fetch_my_trades", None, since, None, dict(params))
        trades += page
        bills = [int(b) for t in page if str(b := (t.get("info") or {}).get("billId", "")).isdigit()]
        if len(page) < OKX_PAGE or not bills:
            break
        params["after"] = str(min(bills))
    return trades


def to_fill(trade: dict[str, Any], account: str) -> Fill | None:
    """The trade as a ``Fill``, or ``None`` (with a warning) when it cannot be used."""
    symbol, trade_id = trade.get("symbol"), str(trade.get("id"))
    base, slash, quote = str(symbol or "").partition("/")
    quote = quote.split(":")[0]
    try:
        amount = Decimal(str(trade.get("amount")))
        price = Decimal(str(trade.get("price")))
        fee = trade.get("fee") or {}
        fee_cost = abs(Decimal(str(fee.get("cost") or 0)))
    except (InvalidOperation, ValueError):
        log.warning("portfolio %s: trade %s skipped: amount or price is not a number", account, trade_id)
        return None
    if not (slash and base and quote):
        log.warning("portfolio %s: trade %s skipped: unknown symbol %r", account, trade_id, str(symbol)[:40])
        return None
    if not (amount.is_finite() and price.is_finite() and amount > 0 and price > 0):
        log.warning("portfolio %s: trade %s on %s skipped: zero amount or price", account, trade_id, symbol)
        return None
    side = trade.get("side")
    if side not in ("buy", "sell") or not isinstance(trade.get("timestamp"), int):
        log.warning("portfolio %s: trade %s on %s skipped: no side or time", account, trade_id, symbol)
        return None
    return Fill(trade_id, trade["timestamp"], base, quote, side, amount, price, fee_cost, fee.get("currency"))
