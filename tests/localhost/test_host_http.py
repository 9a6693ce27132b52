"""Every HTTP function of function_app through the local host: routes, methods, auth levels, keys,
the request it gets and the response it gives, and negotiate's token for the stand-in."""

from __future__ import annotations

import json

import jwt
import pytest

from shared.localhost.webpubsub.tokens import verify_client_token
from tests.fetch.helpers import MIN, NOW_SLOT
from tests.localhost.conftest import FUNCTION_KEY, MASTER_KEY

ROUTES = [  # (method, path, auth level)
    ("GET", "/api/health", "ANONYMOUS"),
    ("GET", "/api/ohlcv", "FUNCTION"),
    ("GET", "/api/ohlcv/latest", "FUNCTION"),
    ("GET", "/api/catalog", "FUNCTION"),
    ("GET", "/api/negotiate", "FUNCTION"),
    ("POST", "/api/negotiate", "FUNCTION"),
    ("GET", "/api/targets", "ADMIN"),
    ("PUT", "/api/targets", "ADMIN"),
    ("DELETE", "/api/targets", "ADMIN"),
    ("DELETE", "/api/store/candles", "ADMIN"),
]


async def test_auth_levels_of_every_route(local_host, http):
    for method, path, level in ROUTES:
        url = local_host.url + path
        async with http.request(method, url) as response:
            if level == "ANONYMOUS":
                assert response.status == 200, path
            else:
                assert response.status == 401, path
                body = await response.json()
                assert body["error"]["code"] == "UNAUTHORIZED"
        for key, allowed in (
            ("wrong", False),
            (FUNCTION_KEY, level != "ADMIN"),
            (MASTER_KEY, True),
        ):
            async with http.request(method, url, headers={"x-functions-key": key}) as response:
                assert (response.status != 401) == (allowed or level == "ANONYMOUS"), (path, key)
            async with http.request(method, url, params={"code": key}) as response:
                assert (response.status != 401) == (allowed or level == "ANONYMOUS"), (path, key)


async def test_unknown_route_and_wrong_method(local_host, http):
    async with http.get(local_host.url + "/api/nothing", params={"code": MASTER_KEY}) as response:
        assert response.status == 404
    async with http.post(local_host.url + "/api/ohlcv", params={"code": MASTER_KEY}) as response:
        assert response.status == 405


async def test_ohlcv_json_and_csv_equal_the_exchange(local_host, http, exchange_emulator):
    start, end = NOW_SLOT - 600 * MIN, NOW_SLOT - 100 * MIN
    truth = exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    params = {
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": str(start),
        "end": str(end),
    }
    headers = {"x-functions-key": FUNCTION_KEY}
    async with http.get(local_host.url + "/api/ohlcv", params=params, headers=headers) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/json")
        body = await response.json()
    assert body["data"] == truth
    async with http.get(
        local_host.url + "/api/ohlcv", params={**params, "format": "csv"}, headers=headers
    ) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        lines = (await r.text()).strip().splitlines()
    assert len(lines) == len(truth) + 1
    series = {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m"}
    async with http.get(local_host.url + "/api/ohlcv/latest", params=series, headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["timestamp"] == truth[-1][0]
    async with http.get(local_host.url + "/api/catalog", headers=headers) as response:
        catalog = await response.json()
    assert [(s["symbol"], s["count"]) for s in catalog["series"]] == [("BTC/USDT", len(truth))]


async def test_errors_keep_their_status_and_code(local_host, http):
    params = {"exchange": "binance", "symbol": "NOPE/USDT", "timeframe": "1m", "start": "0", "end": "60000"}
    async with http.get(local_host.url + "/api/ohlcv", params={**params, "code": FUNCTION_KEY}) as response:
        assert 400 <= response.status < 500
        assert (await response.json())["error"]["code"] in {"COIN_NOT_AVAILABLE", "INVALID_REQUEST"}


async def test_targets_round_trip_with_the_master_key(local_host, http):
    url, headers = local_host.url + "/api/targets", {"x-functions-key": MASTER_KEY}
    target = {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1h"}
    async with http.put(url, json=target, headers=headers) as response:
        assert response.status in (200, 201), await response.text()
    async with http.get(url, headers=headers) as response:
        listed = json.dumps(await response.json())
    assert "BTC/USDT" in listed
    async with http.delete(url, json=target, headers=headers) as response:
        assert response.status in (200, 204), await response.text()
    async with http.get(url, headers=headers) as response:
        assert "BTC/USDT" not in json.dumps(await response.json())


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_negotiate_gives_a_token_the_stand_in_accepts(local_host, http, method):
    async with http.request(method, local_host.url + "/api/negotiate", params={"code": FUNCTION_KEY}) as r:
        assert r.status == 200
        access = await r.json()
    assert set(access) == {"baseUrl", "url", "accessToken"}
    assert access["baseUrl"] == local_host.url.replace("http", "ws", 1) + "/client/hubs/marketdata"
    assert access["url"] == f"{access['baseUrl']}?access_token={access['accessToken']}"
    key = local_host.standin._access_key
    claims = verify_client_token(access["accessToken"], key, "marketdata")
    assert claims.user_id is None
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            access["accessToken"],
            "another-key-of-at-least-thirty-two-bytes",
            algorithms=["HS256"],
            options={"verify_aud": False},
        )
    async with http.ws_connect(access["url"], protocols=["json.webpubsub.azure.v1"]) as ws:
        connected = await ws.receive_json()
    assert connected["type"] == "system" and connected["event"] == "connected"
    async with http.get(access["baseUrl"].replace("ws", "http", 1) + "?access_token=forged") as response:
        assert response.status == 401


async def test_deleting_a_range_makes_the_next_request_fetch_it_again(local_host, http, exchange_emulator):
    """DELETE /api/store/candles (master key) removes candles and coverage; GET refetches them."""
    query = {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m"}
    span = {"start": str(NOW_SLOT - 120 * MIN), "end": str(NOW_SLOT - 60 * MIN)}
    get_url, key = local_host.url + "/api/ohlcv", {"x-functions-key": FUNCTION_KEY}
    async with http.get(get_url, params={**query, **span}, headers=key) as r:
        first = (await r.json())["data"]
    assert len(first) == 60
    fetched = exchange_emulator.request_count()
    delete_url, admin = local_host.url + "/api/store/candles", {"x-functions-key": MASTER_KEY}
    middle = {"start": str(NOW_SLOT - 100 * MIN), "end": str(NOW_SLOT - 90 * MIN)}
    async with http.delete(delete_url, params={**query, **middle}, headers=admin) as r:
        assert r.status == 200, await r.text()
        assert (await r.json())["deleted"] == 10
    async with http.delete(delete_url, params={**query, "strat": "x"}, headers=admin) as r:
        assert r.status == 400 and (await r.json())["error"]["code"] == "INVALID_REQUEST"
    async with http.get(get_url, params={**query, **span}, headers=key) as r:
        assert (await r.json())["data"] == first
    assert exchange_emulator.request_count() > fetched  # the deleted ten minutes came from the exchange


async def test_the_local_host_refuses_a_repeated_parameter(local_host, http):
    url = f"{local_host.url}/api/ohlcv?code={FUNCTION_KEY}&exchange=binance&symbol=BTC/USDT"
    url += "&symbol=../../x&timeframe=1m&start=2025-12-01&end=2025-12-02"
    async with http.get(url) as response:
        assert response.status == 400
        error = (await response.json())["error"]
    assert error["code"] == "INVALID_REQUEST" and "'symbol'" in error["message"]


@pytest.mark.parametrize("path", ["/api/health", "/api/health/deep"])
async def test_the_local_host_serves_both_routes(local_host, http, path):
    async with http.get(local_host.url + path) as response:
        assert response.status == (200 if path == "/api/health" else 401)
    async with http.get(local_host.url + path, headers={"x-functions-key": MASTER_KEY}) as response:
        body = await response.json()
    assert response.status == 200 and body["status"] == "ok"
    assert ("exchange:binance" in body["parts"]) == path.endswith("deep")
