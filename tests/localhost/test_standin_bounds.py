"""The Web PubSub stand-in stays bounded with hostile or careless clients (raw aiohttp WebSockets):
slow readers are dropped without stalling sends to anyone else, non-ackers cannot keep more than the
global budget, connections are capped, memory is released on close, only the app's hubs are served.
Assertions are about completion and accounting, never about time."""

from __future__ import annotations

import asyncio
import gc

import aiohttp
import orjson
import pytest
from pydantic import SecretStr

from shared.localhost.webpubsub.connection import Connection
from shared.localhost.webpubsub.limits import StandInLimits
from shared.localhost.webpubsub.protocol import JSON, RELIABLE
from shared.webpubsub.sender import ConnectionGone, ServiceSender
from tests.localhost.test_standin_fixtures import HUB, serve_standin

BIG = orjson.dumps({"rows": [[1_700_000_000_000, 1.5, 2.5, 0.5, 2.0, 10.0]] * 6_000})  # ~250 KB


async def connect(http: aiohttp.ClientSession, server, protocol: str = JSON, **kwargs):
    ws = await http.ws_connect(server.client_url(**kwargs), protocols=[protocol], max_msg_size=0)
    connected = orjson.loads((await ws.receive(timeout=10)).data)
    return ws, connected["connectionId"]


async def flood(sender: ServiceSender, connection_id: str, count: int) -> int:
    """Send ``count`` big messages; how many were taken before the connection was found gone."""
    for sent in range(count):
        try:
            await sender.send(connection_id, BIG)
        except ConnectionGone:
            return sent
    return count


async def test_slow_readers_are_dropped_and_never_stall_a_normal_client():
    limits = StandInLimits(send_buffer_bytes=1_000_000, send_timeout_seconds=1.0)
    async with serve_standin(limits=limits) as server, aiohttp.ClientSession() as http:
        stalled = [await connect(http, server) for _ in range(4)]  # they never read again
        normal, normal_id = await connect(http, server)
        async with ServiceSender(SecretStr(server.connection_string), HUB, retry_total=0) as sender:
            async with asyncio.timeout(60):  # a safety net for a hang, not a timing assertion
                floods = [asyncio.create_task(flood(sender, cid, 400)) for _, cid in stalled]
                await sender.send(normal_id, b'{"hello": 1}')
                message = orjson.loads((await normal.receive()).data)
                taken = await asyncio.gather(*floods)
        assert message["data"] == {"hello": 1}
        assert all(n < 400 for n in taken)  # every slow reader was dropped...
        assert server.standin.connection_ids() == [normal_id]  # ...and forgotten; the normal one stays
        await normal.close()


async def test_non_ackers_share_one_bounded_budget():
    cap = 2_000_000
    async with serve_standin(limits=StandInLimits(max_unacked_bytes=cap)) as server:
        async with aiohttp.ClientSession() as http:
            clients = [await connect(http, server, RELIABLE) for _ in range(3)]
            async with ServiceSender(SecretStr(server.connection_string), HUB, retry_total=0) as sender:
                for _, connection_id in clients:
                    for _ in range(12):  # ~3 MB each, never acknowledged
                        await sender.send(connection_id, BIG)
            for ws, _ in clients:
                for _ in range(12):
                    assert (await ws.receive(timeout=10)).type is aiohttp.WSMsgType.TEXT
            assert 0 < server.standin.unacked_bytes() <= cap
            for ws, _ in clients:
                await ws.close()
        await asyncio.sleep(0)
    assert server.standin.unacked_bytes() == 0


async def test_connections_are_capped():
    async with serve_standin(limits=StandInLimits(max_connections=3)) as server:
        async with aiohttp.ClientSession() as http:
            open_ = [await connect(http, server) for _ in range(3)]
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(server.client_url(), protocols=[JSON])
            assert refused.value.status == 503
            await open_[0][0].close()
            for _ in range(100):  # the stand-in notices the close
                if len(server.standin.connection_ids()) < 3:
                    break
                await asyncio.sleep(0.02)
            again, _ = await connect(http, server)  # a freed slot is usable again
            for ws, _ in [*open_[1:], (again, None)]:
                await ws.close()


async def test_memory_is_released_when_connections_close():
    async with serve_standin() as server:
        async with aiohttp.ClientSession() as http:
            clients = [await connect(http, server, RELIABLE) for _ in range(40)]
            async with ServiceSender(SecretStr(server.connection_string), HUB, retry_total=0) as sender:
                for _, connection_id in clients:
                    await sender.send(connection_id, BIG)
            assert server.standin.unacked_bytes() >= 40 * len(BIG)
            for ws, _ in clients:
                await ws.receive(timeout=10)
                await ws.close()  # with a close frame: no recovery to wait for
        for _ in range(100):
            if not server.standin.connection_ids():
                break
            await asyncio.sleep(0.02)
        assert server.standin.connection_ids() == []
        assert server.standin.unacked_bytes() == 0
    gc.collect()
    assert [o for o in gc.get_objects() if isinstance(o, Connection)] == []


async def test_only_the_apps_hubs_are_served():
    async with serve_standin(hubs={HUB}) as server, aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(server.client_url(hub="otherhub"), protocols=[JSON])
        assert refused.value.status == 404
        ws, _ = await connect(http, server)
        await ws.close()
