"""Binance spot private REST (signed) and the 24-hour tickers, as ccxt calls them.

Signed requests carry ``X-MBX-APIKEY`` and a query ending in ``signature=<hex HMAC-SHA256 of the
query before it, keyed with the secret>``; an unknown key answers 401 ``-2015`` and a wrong signature
400 ``-1022``, as Binance does. ``myTrades`` needs ``symbol``; ``fromId`` gives the trades with
``id >= fromId``; ``startTime``/``endTime`` bound the time (at most 24 hours apart, a window of 24 hours
from ``startTime`` when only it is given); without either the most recent ``limit`` trades; ``limit``
default 500, at most 1000; rows oldest first.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from tests.emulator.accounts import ScriptedAccount
from tests.emulator.binance import ERRORS, error

if TYPE_CHECKING:
    from tests.emulator.server import ExchangeEmulator

DAY_MS = 86_400_000
WEIGHTS = {"account": 20, "myTrades": 20, "ticker24hr": 80}


def _id(symbol: str) -> str:
    return symbol.replace("/", "")


def authenticate(emu: ExchangeEmulator, request: web.Request) -> ScriptedAccount | web.Response:
    account = emu.private.account("binance", request.headers.get("X-MBX-APIKEY", ""))
    if account is None:
        return error(401, -2015, "Invalid API-key, IP, or permissions for action.")
    payload, sep, signature = request.query_string.rpartition("&signature=")
    expected = hmac.new(account.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not sep or "timestamp" not in request.query or not hmac.compare_digest(signature, expected):
        return error(400, -1022, "Signature for this request is not valid.")
    return account


def account_info(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    account = authenticate(emu, request)
    if isinstance(account, web.Response):
        return account
    balances = [{"asset": a, "free": repr(q), "locked": "0.0"} for a, q in account.balances.items()]
    return emu.json({"makerCommission": 10, "takerCommission": 10, "canTrade": True, "accountType": "SPOT",
                     "updateTime": emu.clock.now_ms, "balances": balances, "permissions": ["SPOT"]})  # fmt: skip


def my_trades(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    account = authenticate(emu, request)
    if isinstance(account, web.Response):
        return account
    q = request.query
    symbol = {_id(s): s for s in emu.markets["binance"]}.get(q.get("symbol", ""))
    if symbol is None:
        return error(400, -1121, "Invalid symbol.")
    try:
        limit = int(q.get("limit", 500))
        from_id = int(q["fromId"]) if "fromId" in q else None
        start = int(q["startTime"]) if "startTime" in q else None
        end = int(q["endTime"]) if "endTime" in q else None
    except ValueError:
        return error(400, -1100, "Illegal characters found in a parameter.")
    if not 1 <= limit <= 1000:
        return error(400, -1130, "Data sent for parameter 'limit' is not valid.")
    if start is not None and end is not None and end - start > DAY_MS:
        return error(400, -1127, "More than 24 hours between startTime and endTime.")
    trades = account.trades_of(symbol)
    if from_id is not None:
        rows = [t for t in trades if t.id >= from_id][:limit]
    elif start is not None or end is not None:
        lo = start if start is not None else end - DAY_MS  # type: ignore[operator]
        hi = end if end is not None else lo + DAY_MS
        rows = [t for t in trades if lo <= t.ts <= hi][:limit]
    else:
        rows = trades[-limit:]
    return emu.json([_trade_row(t) for t in rows])


def _trade_row(t) -> dict:
    return {"symbol": _id(t.symbol), "id": t.id, "orderId": 1000 + t.id, "orderListId": -1,
            "price": repr(t.price), "qty": repr(t.amount), "quoteQty": repr(t.price * t.amount),
            "commission": repr(t.fee), "commissionAsset": t.fee_currency, "time": t.ts,
            "isBuyer": t.side == "buy", "isMaker": False, "isBestMatch": True}  # fmt: skip


def tickers(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    markets = {_id(s): s for s in emu.markets["binance"]}
    q = request.query
    if "symbols" in q:
        try:
            wanted = orjson.loads(q["symbols"])
        except orjson.JSONDecodeError:
            return error(400, -1100, "Illegal characters found in parameter 'symbols'.")
    else:
        wanted = [q["symbol"]] if "symbol" in q else list(markets)
    if any(w not in markets for w in wanted):
        return error(400, -1121, "Invalid symbol.")
    now = emu.clock.now_ms
    rows = []
    for market_id in wanted:
        symbol = markets[market_id]
        last = emu.private.prices.get(("binance", symbol), emu.series("binance", symbol).price(now))
        rows.append({"symbol": market_id, "lastPrice": repr(last), "bidPrice": repr(last), "askPrice": repr(last),
                     "openPrice": repr(last), "highPrice": repr(last), "lowPrice": repr(last), "volume": "1.0",
                     "quoteVolume": repr(last), "openTime": now - DAY_MS, "closeTime": now, "count": 1})  # fmt: skip
    return emu.json(rows)


def routes(emu: ExchangeEmulator) -> list[web.RouteDef]:
    def handler(name, fn):
        async def handle(request: web.Request) -> web.StreamResponse:
            emu.private.log("binance", name, request.query)
            return await emu.serve("binance", name, request, fn, ERRORS, weight=WEIGHTS.get(name, 1))

        return handle

    def no_margin_pairs(emu: ExchangeEmulator, request: web.Request) -> web.Response:
        return emu.json([])  # ccxt asks for margin pairs when it loads markets with a key

    return [
        web.get("/binance/sapi/v1/margin/allPairs", handler("marginPairs", no_margin_pairs)),
        web.get("/binance/sapi/v1/margin/isolated/allPairs", handler("marginPairs", no_margin_pairs)),
        web.get("/binance/api/v3/account", handler("account", account_info)),
        web.get("/binance/api/v3/myTrades", handler("myTrades", my_trades)),
        web.get("/binance/api/v3/ticker/24hr", handler("ticker24hr", tickers)),
    ]
