"""OKX v5 private REST (signed) and the spot tickers, as ccxt calls them.

Signed requests carry ``OK-ACCESS-KEY``, ``OK-ACCESS-PASSPHRASE``, ``OK-ACCESS-TIMESTAMP`` and
``OK-ACCESS-SIGN`` = base64 HMAC-SHA256 of ``timestamp + method + path?query (+ body)``. An unknown key
answers 401 ``50111``, a wrong passphrase 401 ``50105``, a wrong signature 401 ``50113``.
``trade/fills-history``: ``instType`` required; ``instId``, ``begin``/``end`` (ms, inclusive) filter;
``after=<billId>`` only older fills, ``before=<billId>`` only newer; ``limit`` default and max 100;
rows **newest first**.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

from aiohttp import web

from tests.emulator.accounts import ScriptedAccount, ScriptedTrade
from tests.emulator.okx import ERRORS, error

if TYPE_CHECKING:
    from tests.emulator.server import ExchangeEmulator


def _id(symbol: str) -> str:
    return symbol.replace("/", "-")


def authenticate(emu: ExchangeEmulator, request: web.Request) -> ScriptedAccount | web.Response:
    h = request.headers
    account = emu.private.account("okx", h.get("OK-ACCESS-KEY", ""))
    if account is None:
        return error("50111", "Invalid OK-ACCESS-KEY", status=401)
    if h.get("OK-ACCESS-PASSPHRASE") != account.password:
        return error("50105", "Invalid OK-ACCESS-PASSPHRASE", status=401)
    prehash = h.get("OK-ACCESS-TIMESTAMP", "") + request.method + request.path_qs.removeprefix("/okx")
    digest = hmac.new(account.secret.encode(), prehash.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(h.get("OK-ACCESS-SIGN", ""), base64.b64encode(digest).decode()):
        return error("50113", "Invalid Sign", status=401)
    return account


def ok(emu: ExchangeEmulator, data: list) -> web.Response:
    return emu.json({"code": "0", "msg": "", "data": data})


def balance(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    account = authenticate(emu, request)
    if isinstance(account, web.Response):
        return account
    details = [{"ccy": c, "eq": repr(q), "cashBal": repr(q), "availBal": repr(q), "frozenBal": "0",
                "availEq": repr(q), "uTime": str(emu.clock.now_ms)} for c, q in account.balances.items()]  # fmt: skip
    return ok(emu, [{"totalEq": "0", "uTime": str(emu.clock.now_ms), "details": details}])


def fills_history(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    account = authenticate(emu, request)
    if isinstance(account, web.Response):
        return account
    q = request.query
    if q.get("instType") not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
        return error("51000", "Parameter instType error")
    symbol = None
    if "instId" in q:
        symbol = {_id(s): s for s in emu.markets["okx"]}.get(q["instId"])
        if symbol is None:
            return error("51001", "Instrument ID does not exist")
    try:
        limit = int(q.get("limit", 100))
        begin, end = int(q.get("begin", 0)), int(q.get("end", 2**62))
        after, before = int(q.get("after", 2**62)), int(q.get("before", -1))
    except ValueError:
        return error("51000", "Parameter error")
    if not 1 <= limit <= 100:
        return error("51000", "Parameter limit error")
    rows = [t for t in account.trades_of(symbol) if begin <= t.ts <= end and before < _bill(t) < after]
    rows = rows[::-1] if "before" not in q else rows[:limit][::-1]
    return ok(emu, [_fill(t) for t in rows[:limit]])


def _bill(t: ScriptedTrade) -> int:
    return 9_000_000 + t.id


def _fill(t: ScriptedTrade) -> dict:
    return {"instType": "SPOT", "instId": _id(t.symbol), "tradeId": str(t.id), "ordId": str(1000 + t.id),
            "clOrdId": "", "billId": str(_bill(t)), "tag": "", "fillPx": repr(t.price), "fillSz": repr(t.amount),
            "side": t.side, "posSide": "net", "execType": "T", "feeCcy": t.fee_currency,
            "fee": repr(-t.fee), "ts": str(t.ts), "fillTime": str(t.ts)}  # fmt: skip


def tickers(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    if request.query.get("instType") != "SPOT":
        return ok(emu, [])
    now = emu.clock.now_ms
    data = []
    for symbol, series in emu.markets["okx"].items():
        last = repr(emu.private.prices.get(("okx", symbol), series.price(now)))
        data.append({"instType": "SPOT", "instId": _id(symbol), "last": last, "lastSz": "1", "askPx": last,
                     "askSz": "1", "bidPx": last, "bidSz": "1", "open24h": last, "high24h": last,
                     "low24h": last, "volCcy24h": "1", "vol24h": "1", "sodUtc0": last, "sodUtc8": last,
                     "ts": str(now)})  # fmt: skip
    return ok(emu, data)


def positions(emu: ExchangeEmulator, request: web.Request) -> web.Response:
    account = authenticate(emu, request)
    if isinstance(account, web.Response):
        return account
    return ok(emu, list(account.positions))


def routes(emu: ExchangeEmulator) -> list[web.RouteDef]:
    def handler(name, fn):
        async def handle(request: web.Request) -> web.StreamResponse:
            emu.private.log("okx", name, request.query)
            return await emu.serve("okx", name, request, fn, ERRORS)

        return handle

    return [
        web.get("/okx/api/v5/account/balance", handler("balance", balance)),
        web.get("/okx/api/v5/trade/fills-history", handler("fills-history", fills_history)),
        web.get("/okx/api/v5/market/tickers", handler("tickers", tickers)),
        web.get("/okx/api/v5/account/positions", handler("positions", positions)),
    ]
