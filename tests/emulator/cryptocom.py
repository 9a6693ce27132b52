"""Crypto.com Exchange v1 REST dialect (the parts ccxt's ``cryptocom`` class calls for markets and candles).

``public/get-candlestick``: ``instrument_name`` (``BTC_USDT``), ``timeframe`` (``1m 5m 15m 30m 1h 4h
6h 12h 1D 7D 14D``), ``count`` (default 25, at most 300), ``start_ts`` (inclusive) and ``end_ts``
(exclusive), in ms. The newest ``count`` candles of the range are served, oldest first; the
still-open candle is served like the real exchange does. ccxt asks ``start_ts = since - tf`` and
``end_ts = since + count * tf``, so the newest 300 of those 301 slots are exactly the window
``[since, since + 300 tf)``. Answers are ``{"id", "method", "code": 0, "result": {...}}``; errors carry
a non-zero ``code`` (10004 bad request, 10006 too many requests -> ccxt's DDoSProtection).
This models the documented parameters; the bound semantics are the emulator's reading of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tests.emulator.server import ExchangeEmulator

TIMEFRAMES = {
    "1m": 60_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000, "4h": 14_400_000,
    "6h": 21_600_000, "12h": 43_200_000, "1D": 86_400_000, "7D": 604_800_000, "14D": 1_209_600_000,
}  # fmt: skip
ERRORS = {
    "rate_limit": (429, {"code": 10006, "message": "TOO_MANY_REQUESTS"}),
    "ban": (429, {"code": 10006, "message": "TOO_MANY_REQUESTS"}),
    "status": (500, {"code": 10001, "message": "SYS_ERROR"}),
}


def _id(symbol: str) -> str:
    return symbol.replace("/", "_")


def _answer(emu: ExchangeEmulator, method: str, result: dict) -> web.Response:
    return emu.json({"id": -1, "method": method, "code": 0, "result": result})


def error(code: int, message: str) -> web.Response:
    return web.json_response({"id": -1, "code": code, "message": message}, status=400)


def instruments(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    data = []
    for symbol in emu.markets["cryptocom"]:
        base, quote = symbol.split("/")
        data.append({
            "symbol": _id(symbol), "inst_type": "CCY_PAIR", "display_name": f"{base}/{quote}",
            "base_ccy": base, "quote_ccy": quote, "quote_decimals": 2, "quantity_decimals": 5,
            "price_tick_size": "0.01", "qty_tick_size": "0.00001", "max_leverage": "1", "tradable": True,
            "expiry_timestamp_ms": 0, "beta_product": False, "margin_buy_enabled": False,
            "margin_sell_enabled": False,
        })  # fmt: skip
    return _answer(emu, "public/get-instruments", {"data": data})


def candlestick(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    q = request.query
    series = {_id(s): v for s, v in emu.markets["cryptocom"].items()}.get(q.get("instrument_name", ""))
    if series is None:
        return error(10004, "Invalid instrument_name")
    tf = TIMEFRAMES.get(q.get("timeframe", "1m"))
    if tf is None:
        return error(10004, "Invalid timeframe")
    now = emu.clock.now_ms
    try:
        count = int(q.get("count", 25))
        end = int(q["end_ts"]) if "end_ts" in q else now + 1
        start = int(q["start_ts"]) if "start_ts" in q else end - 86_400_000
    except ValueError:
        return error(10004, "Invalid parameter")
    if not 1 <= count <= 300:
        return error(10004, "Invalid count")
    ts, values = series.table(tf, start, end - 1, now, count, newest_first=True)
    data = [
        {"o": repr(o), "h": repr(h), "l": repr(lo), "c": repr(c), "v": repr(v), "t": t}
        for t, (o, h, lo, c, v) in zip(ts[::-1].tolist(), values[::-1].tolist(), strict=True)
    ]
    return _answer(emu, "public/get-candlestick", {"interval": q.get("timeframe", "1m"), "data": data})


def routes(emu: ExchangeEmulator) -> list[web.RouteDef]:
    def handler(name, fn):
        async def handle(request: web.Request) -> web.StreamResponse:
            return await emu.serve("cryptocom", name, request, fn, ERRORS)

        return handle

    return [
        web.get("/cryptocom/exchange/v1/public/get-instruments", handler("get-instruments", instruments)),
        web.get("/cryptocom/exchange/v1/public/get-candlestick", handler("get-candlestick", candlestick)),
    ]
