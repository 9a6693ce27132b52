"""An ack for every frame that carries an ``ackId``, in the order the frames came: frames that are
not JSON, nested too deeply or holding ``NaN`` included; a repeated ackId's ``Duplicate`` after the
original's answer; an event no function handles is a client error (``BadRequest``), no traceback."""

from __future__ import annotations

import logging

import aiohttp
import orjson

from shared.localhost.webpubsub.protocol import JSON
from tests.localhost.test_standin_fixtures import StandInServer, standin_fixture  # noqa: F401

DEEP = "[" * 2000 + "]" * 2000


async def test_every_ack_id_is_answered_in_order(standin: StandInServer, caplog) -> None:
    caplog.set_level(logging.INFO)
    frames = [
        '{"type":"event","event":"echo","ackId":1,"dataType":"json","data":{"a":1}}',
        'not json at all, "ackId": 2',
        '{"type":"event","ackId":3,"event":"echo","dataType":"json","data":' + DEEP + "}",
        '{"type":"event","event":"echo","ackId":4,"dataType":"json","data":NaN}',
        '{"type":"event","event":"echo","ackId":1,"dataType":"json","data":{}}',
        '{"type":"event","event":"unknown","ackId":5,"dataType":"json","data":{}}',
        '{"type":"joinGroup","group":"g","ackId":6}',
        '{"type":"event","event":"fail","ackId":7,"dataType":"json","data":{}}',
        '{"type":"event","event":"note","ackId":8,"dataType":"json","data":{}}',
    ]
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(standin.client_url(), protocols=[JSON])
        assert orjson.loads((await ws.receive(timeout=10)).data)["event"] == "connected"
        for frame in frames:
            await ws.send_str(frame)
        acks = []
        while len(acks) < 9:
            message = orjson.loads((await ws.receive(timeout=10)).data)
            if message["type"] == "ack":
                acks.append(message)
        await ws.close()
    assert [a["ackId"] for a in acks] == [1, 2, 3, 4, 1, 5, 6, 7, 8]
    names = [a.get("error", {}).get("name") for a in acks]
    assert names == [None, "BadRequest", "BadRequest", "BadRequest", "Duplicate", "BadRequest", "Forbidden",
                     "InternalServerError", None]  # fmt: skip
    assert [c.event_name for c in standin.dispatch.calls] == ["echo", "unknown", "fail", "note"]
    unknown = [r for r in caplog.records if "'unknown'" in r.getMessage()]
    assert (
        unknown and not any(r.exc_info for r in unknown) and all(r.levelno < logging.WARNING for r in unknown)
    )
