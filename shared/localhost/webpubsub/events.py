"""What the stand-in does with each client frame: answer it, or hand an event to the app's ``dispatch``.

An event's ``ackId`` is answered after ``dispatch`` returned (and after its reply was sent): success, or
``InternalServerError`` when dispatch raised (logged; the socket stays open). Repeated ackIds are
answered ``Duplicate`` without dispatching, invalid events ``BadRequest``, group operations ``Forbidden``;
unknown frames are ignored with a warning.

Acks go out ``ACK_DELAY`` after the answer is known. The official *sync* client 1.1.0 sends a frame and
only then starts waiting on a condition variable for its ack; an ack that arrives in between is missed and
the client waits its whole ``ack_timeout`` (30 s by default) before carrying on. Over a network the
service is never that fast; on loopback it often is, so the stand-in waits a little, like a network would.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.localhost.webpubsub import protocol as wire
from shared.localhost.webpubsub.connection import Connection

log = logging.getLogger(__name__)
ACK_DELAY = 0.02  # seconds; see the module docstring


@dataclass(frozen=True, slots=True)
class UserEventCall:
    hub: str
    event_name: str
    connection_id: str
    user_id: str | None
    data: str  # json: the JSON text; text: the string; binary: the bytes read as UTF-8
    data_type: str  # as the client sent it: json, text, binary (or protobuf)


Dispatch = Callable[[UserEventCall], Awaitable[dict | None]]


async def receive(connection: Connection, text: str) -> None:
    try:
        frame = wire.parse_client_frame(text)
    except wire.InvalidPayload as exc:
        if exc.ack_id is not None:
            await _ack(connection, wire.ack(exc.ack_id, "BadRequest", str(exc)))
        log.warning("connection %s: invalid event ignored: %s", connection.connection_id, exc)
        return
    if frame is None:
        log.warning("connection %s: unknown frame ignored (%d chars)", connection.connection_id, len(text))
    elif frame.kind == "sequenceAck":
        connection.acknowledge(frame.sequence_id)
    elif frame.kind == "ping":
        await connection.send_frame(wire.pong())
    elif frame.kind == "forbidden":
        if frame.ack_id is not None:
            await connection.send_frame(
                wire.ack(frame.ack_id, "Forbidden", "the client has no role for groups")
            )
    elif frame.ack_id is not None and connection.is_duplicate(frame.ack_id):
        await _ack(connection, wire.ack(frame.ack_id, "Duplicate", "the ackId was already used"))
    else:
        connection.queue_event(frame)


async def handle_event(dispatch: Dispatch, connection: Connection, frame: wire.ClientFrame) -> None:
    call = UserEventCall(
        connection.hub,
        frame.event,
        connection.connection_id,
        connection.user_id,
        frame.data,
        frame.data_type,
    )
    error: str | None = None
    try:
        reply = await dispatch(call)
        if reply is not None:
            await connection.send_payload(wire.payload_from_reply(reply))
    except ConnectionError:
        return
    except Exception as exc:
        log.exception("connection %s: the %r event handler failed", connection.connection_id, frame.event)
        error = f"the event handler failed ({type(exc).__name__})"
    if frame.ack_id is not None:
        name = None if error is None else "InternalServerError"
        await _ack(connection, wire.ack(frame.ack_id, name, error or ""))


async def _ack(connection: Connection, frame: str) -> None:
    await asyncio.sleep(ACK_DELAY)
    await connection.send_frame(frame)
