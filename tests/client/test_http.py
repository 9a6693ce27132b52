"""The client's HTTP calls against a small aiohttp server on loopback that checks the key header."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from cbdata_client import CandleClient, ServiceError, ServiceTimeoutError

KEY = "k-123"


@pytest.fixture
async def server():
    seen: list[dict] = []

    async def latest(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        if request.headers.get("x-functions-key") != KEY:
            return web.Response(status=401)
        if request.query["symbol"] == "DOGE/USDT":
            return web.json_response(
                {"error": {"code": "COIN_NOT_AVAILABLE", "message": "not listed"}}, status=404
            )
        ts = None if request.query["timeframe"] == "1d" else 1_704_067_200_000
        return web.json_response(
            {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m", "timestamp": ts}
        )

    async def negotiate(request: web.Request) -> web.Response:
        if request.headers.get("x-functions-key") != KEY:
            return web.Response(status=401)
        return web.json_response(
            {
                "baseUrl": "ws://h/client/hubs/x",
                "url": "ws://h/client/hubs/x?access_token=t",
                "accessToken": "t",
            }
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/ohlcv/latest", latest)
    app.router.add_get("/api/negotiate", negotiate)
    app.router.add_get("/slow/api/negotiate", slow)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]  # the port the OS picked
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_latest_and_negotiate(server):
    base, seen = server
    client = CandleClient(base + "/", KEY)
    assert await asyncio.to_thread(client.latest, "binance", "BTC/USDT", "1m") == 1_704_067_200_000
    assert seen[-1] == {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m"}
    assert await asyncio.to_thread(client.latest, None, "BTC/USDT", "1d") is None
    assert "exchange" not in seen[-1]
    assert await asyncio.to_thread(client.negotiate) == "ws://h/client/hubs/x?access_token=t"
    assert KEY not in repr(client)


async def test_errors_carry_the_service_code(server):
    base, _ = server
    with pytest.raises(ServiceError) as caught:
        await asyncio.to_thread(CandleClient(base, KEY).latest, "binance", "DOGE/USDT", "1m")
    assert caught.value.code == "COIN_NOT_AVAILABLE"
    with pytest.raises(ServiceError) as caught:
        await asyncio.to_thread(CandleClient(base, "wrong").historical, "binance", "BTC/USDT", "1m", 0, 1)
    assert caught.value.code == "HTTP_401" and "wrong" not in str(caught.value)


async def test_timeouts_and_unreachable_services(server):
    base, _ = server
    with pytest.raises(ServiceTimeoutError):
        await asyncio.to_thread(CandleClient(base + "/slow", KEY, timeout=0.3).negotiate)
    with pytest.raises(ServiceError) as caught:
        await asyncio.to_thread(CandleClient("http://127.0.0.1:9", KEY).latest, "binance", "BTC/USDT", "1m")
    assert caught.value.code == "UNREACHABLE"
