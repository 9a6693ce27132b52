"""OKX v5 REST dialect: different rules from Binance.

``candles``/``history-candles``: ``after`` = only candles older than ts, ``before`` = only newer
(both exclusive), ``limit`` default 100 and at most 300, rows **newest first**; the newest ``limit``
candles of the range are served, each with a ``confirm`` flag ("0" while the candle is open).
Errors come as ``{"code": "<non-zero>", "msg": ...}``, usually with HTTP 200.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tests.emulator.server import ExchangeEmulator

_BAR = re.compile(r"^([1-9][0-9]*)([smHDW])(utc)?$")
_UNIT = {"s": 1_000, "m": 60_000, "H": 3_600_000, "D": 86_400_000, "W": 604_800_000}
ERRORS = {
    "rate_limit": (429, {"code": "50011", "msg": "Too Many Requests", "data": []}),
    "ban": (418, {"code": "50011", "msg": "Too Many Requests", "data": []}),
    "status": (503, {"code": "50001", "msg": "Service temporarily unavailable", "data": []}),
}


def _id(symbol: str) -> str:
    return symbol.replace("/", "-")


def error(code: str, msg: str, status: int = 200) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": []}, status=status)


def instruments(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    if request.query.get("instType") != "SPOT":
        return emu.json({"code": "0", "msg": "", "data": []})
    data = []
    for symbol, series in emu.markets["okx"].items():
        base, quote = symbol.split("/")
        data.append({
            "instId": _id(symbol), "instType": "SPOT", "baseCcy": base, "quoteCcy": quote,
            "settleCcy": "", "uly": "", "ctVal": "", "ctMult": "", "ctValCcy": "", "ctType": "",
            "state": "live", "tickSz": "0.01", "lotSz": "0.00000001", "minSz": "0.00001",
            "maxMktSz": "1000000", "lever": "", "listTime": str(series.listing_ms), "alias": "",
        })  # fmt: skip
    return emu.json({"code": "0", "msg": "", "data": data})


def candles(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    q = request.query
    series = {_id(s): v for s, v in emu.markets["okx"].items()}.get(q.get("instId", ""))
    if series is None:
        return error("51001", "Instrument ID does not exist")
    bar = _BAR.match(q.get("bar", "1m"))
    if bar is None:
        return error("51000", "Parameter bar error")
    tf = int(bar.group(1)) * _UNIT[bar.group(2)]
    try:
        limit = int(q.get("limit", 100))
        after = int(q["after"]) if "after" in q else None
        before = int(q["before"]) if "before" in q else None
    except ValueError:
        return error("51000", "Parameter error")
    if not 1 <= limit <= 300:
        return error("51000", "Parameter limit error")
    now = emu.clock.now_ms
    lo = 0 if before is None else before + 1
    hi = now if after is None else after - 1
    rows = series.rows(tf, lo, hi, now, limit, newest_first=True)
    s = repr
    data = [
        [str(t), s(o), s(h), s(low), s(c), s(v), s(v), s(round(v * c, 2)), "1" if t + tf <= now else "0"]
        for t, o, h, low, c, v in rows
    ]
    return emu.json({"code": "0", "msg": "", "data": data})


def routes(emu: ExchangeEmulator) -> list[web.RouteDef]:
    def handler(name, fn):
        async def handle(request: web.Request) -> web.StreamResponse:
            return await emu.serve("okx", name, request, fn, ERRORS)

        return handle

    def server_time(emu: ExchangeEmulator, request: web.Request) -> web.Response:
        return emu.json({"code": "0", "msg": "", "data": [{"ts": str(emu.clock.now_ms)}]})

    return [
        web.get("/okx/api/v5/public/instruments", handler("instruments", instruments)),
        web.get("/okx/api/v5/market/candles", handler("candles", candles)),
        web.get("/okx/api/v5/market/history-candles", handler("history-candles", candles)),
        web.get("/okx/api/v5/public/time", handler("time", server_time)),
    ]
