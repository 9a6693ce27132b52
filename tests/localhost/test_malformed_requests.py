"""Every malformed request to the local host gets the JSON error shape with a code, and one log line
with neither the query string nor any key: over-long URLs (414) and headers (431), requests that are
not HTTP, unknown routes and methods, bad WebSocket upgrades."""

from __future__ import annotations

import asyncio
import logging

import pytest

from shared.localhost.host.listener import MAX_HEADER_BYTES, MAX_URL_BYTES
from tests.localhost.conftest import FUNCTION_KEY, MASTER_KEY


async def raw(port: int, data: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def assert_one_clean_line(caplog, *secrets: str) -> None:
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(("shared.localhost", "aiohttp"))]
    assert len(lines) == 1, lines
    assert not any(r.exc_info or r.exc_text for r in caplog.records)
    for secret in (*secrets, "pad=", "?"):
        assert secret not in lines[0]


@pytest.mark.parametrize(
    ("target", "headers", "status"),
    [
        (f"/api/ohlcv?code={FUNCTION_KEY}&pad={'x' * MAX_URL_BYTES}", {}, 414),
        (f"/client/hubs/marketdata?access_token={FUNCTION_KEY}&pad={'x' * MAX_URL_BYTES}", {}, 414),
        ("/api/ohlcv", {"x-functions-key": MASTER_KEY, "x-pad": "x" * (MAX_HEADER_BYTES + 1000)}, 431),
    ],
)
async def test_over_long_urls_and_headers(local_host, http, caplog, target, headers, status):
    caplog.set_level(logging.DEBUG)
    async with http.get(local_host.url + target, headers=headers) as response:
        assert response.status == status
        body = await response.json()
    assert (
        body["error"]["code"] == "INVALID_REQUEST"
        and str(MAX_URL_BYTES if status == 414 else MAX_HEADER_BYTES) in body["error"]["message"]
    )
    assert FUNCTION_KEY not in str(body) and MASTER_KEY not in str(body)
    assert_one_clean_line(caplog, FUNCTION_KEY, MASTER_KEY)


async def test_a_url_just_under_the_limit_is_served(local_host, http):
    pad = "x" * (MAX_URL_BYTES - 200)
    async with http.get(f"{local_host.url}/api/health?pad={pad}") as response:
        assert response.status == 200


async def test_garbage_that_is_not_http(local_host, caplog):
    caplog.set_level(logging.DEBUG)
    status, body = await raw(
        local_host.port,
        b"GET /api/health?code="
        + FUNCTION_KEY.encode()
        + b" HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    )
    assert status == 400 and b'"code": "INVALID_REQUEST"' in body and FUNCTION_KEY.encode() not in body
    assert_one_clean_line(caplog, FUNCTION_KEY)


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "code"),
    [
        ("GET", "/api/nothing", {}, 404, "NOT_FOUND"),
        ("POST", "/api/ohlcv", {"x-functions-key": FUNCTION_KEY}, 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/client/hubs/marketdata?access_token=nope", {}, 401, "UNAUTHORIZED"),
    ],
)
async def test_the_apps_own_refusals_are_json(local_host, http, method, path, headers, status, code):
    async with http.request(method, local_host.url + path, headers=headers) as response:
        assert response.status == status
        assert (await response.json())["error"]["code"] == code


async def test_a_websocket_url_without_an_upgrade_is_refused_as_json(local_host, http):
    async with http.get(local_host.url + "/api/negotiate", headers={"x-functions-key": FUNCTION_KEY}) as r:
        url = (await r.json())["url"].replace("ws://", "http://")
    async with http.get(url) as response:  # a plain GET: no upgrade
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "INVALID_REQUEST"
    async with http.get(url, headers={"Upgrade": "websocket", "Connection": "Upgrade"}) as response:
        assert response.status == 400  # no key, no version
        assert (await response.json())["error"]["code"] == "INVALID_REQUEST"
