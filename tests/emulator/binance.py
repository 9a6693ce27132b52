"""Binance spot REST dialect (the parts ccxt needs for markets and candles).

``klines`` as Binance documents it: ``startTime``/``endTime`` inclusive bounds on the open time,
``limit`` default 500 and at most 1000, ascending rows; without ``startTime`` the latest ``limit``
candles up to ``endTime`` (or now). The still-open candle is served like the real exchange does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from aiohttp import web

from tests.emulator.candles import round_exact

if TYPE_CHECKING:
    from tests.emulator.server import ExchangeEmulator

INTERVALS = {
    "1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
    "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
}  # fmt: skip
WEIGHTS = {"exchangeInfo": 20, "klines": 2}
ERRORS = {
    "rate_limit": (429, {"code": -1003, "msg": "Too many requests; current limit is 6000 request weight."}),
    "ban": (418, {"code": -1003, "msg": "Way too many requests; IP banned until later."}),
    "status": (503, {"code": -1001, "msg": "Internal error; unable to process your request."}),
}


def _id(symbol: str) -> str:
    return symbol.replace("/", "")


def error(status: int, code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


def exchange_info(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    symbols = []
    for symbol in emu.markets["binance"]:
        base, quote = symbol.split("/")
        symbols.append({
            "symbol": _id(symbol), "status": "TRADING", "baseAsset": base, "quoteAsset": quote,
            "baseAssetPrecision": 8, "quotePrecision": 8, "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "MARKET"], "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False, "permissions": ["SPOT"], "permissionSets": [["SPOT"]],
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
                {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
                {"filterType": "NOTIONAL", "minNotional": "5", "maxNotional": "9000000"},
            ],
        })  # fmt: skip
    return emu.json(
        {"timezone": "UTC", "serverTime": emu.clock.now_ms, "rateLimits": [], "exchangeFilters": [],
         "symbols": symbols}
    )  # fmt: skip


def klines(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    q = request.query
    series = {_id(s): v for s, v in emu.markets["binance"].items()}.get(q.get("symbol", ""))
    if series is None:
        return error(400, -1121, "Invalid symbol.")
    tf = INTERVALS.get(q.get("interval", ""))
    if tf is None:
        return error(400, -1120, "Invalid interval.")
    try:
        limit = int(q.get("limit", 500))
        start = int(q["startTime"]) if "startTime" in q else None
        end = int(q["endTime"]) if "endTime" in q else None
    except ValueError:
        return error(400, -1100, "Illegal characters found in a parameter.")
    if not 1 <= limit <= 1000:
        return error(400, -1130, "Data sent for parameter 'limit' is not valid.")
    now = emu.clock.now_ms
    hi = now if end is None else end
    if start is None:
        ts, values = series.table(tf, 0, hi, now, limit, newest_first=True)
        ts, values = ts[::-1], values[::-1]
    else:
        ts, values = series.table(tf, start, hi, now, limit)
    return web.Response(body=kline_body(ts, values, tf), content_type="application/json")


def kline_body(ts: np.ndarray, values: np.ndarray, tf: int) -> bytes:
    """Binance's kline rows as JSON: numbers as strings, quote volumes derived from the candle."""
    o, h, lo, c, v = (values[:, i] for i in range(5))
    quote = round_exact(v * c, 2).tolist()
    half_quote = round_exact(v * c / 2, 2).tolist()
    rows = [
        f'[{t},"{a!r}","{b!r}","{d!r}","{e!r}","{f!r}",{t + tf - 1},"{g!r}",100,"{f / 2!r}","{k!r}","0"]'
        for t, a, b, d, e, f, g, k in zip(
            ts.tolist(),
            o.tolist(),
            h.tolist(),
            lo.tolist(),
            c.tolist(),
            v.tolist(),
            quote,
            half_quote,
            strict=True,
        )
    ]
    return ("[" + ",".join(rows) + "]").encode()


def routes(emu: ExchangeEmulator) -> list[web.RouteDef]:
    def handler(name, fn):
        async def handle(request: web.Request) -> web.StreamResponse:
            return await emu.serve("binance", name, request, fn, ERRORS, weight=WEIGHTS.get(name, 1))

        return handle

    def server_time(emu: ExchangeEmulator, request: web.Request) -> web.Response:
        return emu.json({"serverTime": emu.clock.now_ms})

    return [
        web.get("/binance/api/v3/exchangeInfo", handler("exchangeInfo", exchange_info)),
        web.get("/binance/api/v3/klines", handler("klines", klines)),
        web.get("/binance/api/v3/time", handler("time", server_time)),
    ]
