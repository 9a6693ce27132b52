"""What the stand-in does with each client frame: answer it, or hand an event to the app's ``dispatch``.

An event's ``ackId`` is answered after ``dispatch`` returned (and after its reply was sent): success;
``BadRequest`` when no function handles the event (``dispatch`` raised ``LookupError``: a client error,
one log line, no traceback); ``InternalServerError`` when dispatch failed otherwise (logged; the socket
stays open). Repeated ackIds are answered ``Duplicate`` without dispatching, invalid events and frames
that are not JSON ``BadRequest``, group operations ``Forbidden``. Every ack goes through the
connection's one queue, so acks leave in the order their frames came (a ``Duplicate`` after the
original's answer). Frames without an ``ackId`` that are not understood are ignored with a warning.

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
from shared.localhost.webpubsub.connection import ACK_DELAY, Connection

log = logging.getLogger(__name__)
__all__ = ["ACK_DELAY", "Dispatch", "UserEventCall", "handle_event", "receive"]


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
            connection.queue_ack(wire.ack(exc.ack_id, "BadRequest", str(exc)))
        log.warning("connection %s: invalid frame refused: %s", connection.connection_id, exc)
        return
    if frame is None:
        log.warning("connection %s: unknown frame ignored (%d chars)", connection.connection_id, len(text))
    elif frame.kind == "sequenceAck":
        connection.acknowledge(frame.sequence_id)
    elif frame.kind == "ping":
        await connection.send_frame(wire.pong())
    elif frame.kind == "forbidden":
        if frame.ack_id is not None:
            connection.queue_ack(wire.ack(frame.ack_id, "Forbidden", "the client has no role for groups"))
    elif frame.ack_id is not None and connection.is_duplicate(frame.ack_id):
        connection.queue_ack(wire.ack(frame.ack_id, "Duplicate", "the ackId was already used"))
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
    name = "InternalServerError"
    try:
        reply = await dispatch(call)
        if reply is not None:
            await connection.send_payload(wire.payload_from_reply(reply))
    except ConnectionError:
        return
    except LookupError as exc:  # no function handles this event: the client's mistake
        log.info("connection %s: %s", connection.connection_id, exc)
        error, name = str(exc)[:200], "BadRequest"
    except Exception as exc:
        log.exception("connection %s: the %r event handler failed", connection.connection_id, frame.event)
        error, name = f"the event handler failed ({type(exc).__name__})", "InternalServerError"
    if frame.ack_id is not None:
        await _ack(connection, wire.ack(frame.ack_id, name if error is not None else None, error or ""))


async def _ack(connection: Connection, frame: str) -> None:
    await asyncio.sleep(ACK_DELAY)
    await connection.send_frame(frame)
