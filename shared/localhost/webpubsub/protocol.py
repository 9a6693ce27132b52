"""Frames of the Web PubSub JSON client subprotocols, as the stand-in reads and writes them.

Client frames this stand-in understands: ``event`` (upstream to the app), ``sequenceAck`` (reliable
protocol), ``ping``; ``joinGroup``, ``leaveGroup`` and ``sendToGroup`` are refused with a ``Forbidden`` ack
(tokens minted here carry no roles, and the real service answers a role-less client the same way).
``parse_client_frame`` returns ``None`` for anything else (not an object, unknown ``type``); a frame that
is not JSON (also JSON nested too deeply, or with ``NaN`` literals) raises ``InvalidPayload`` carrying
the frame's ``ackId`` when one can be found in its text, so the client still gets its ack.

Server frames are built as text; a JSON payload that is already encoded (a REST body) is spliced in
unchanged after it was checked to be JSON, so a large chunk is not decoded and encoded again.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

import orjson

JSON = "json.webpubsub.azure.v1"
RELIABLE = "json.reliable.webpubsub.azure.v1"
SUBPROTOCOLS = (RELIABLE, JSON)
DATA_TYPES = ("json", "text", "binary", "protobuf")
_ACK_ID = re.compile(r'"ackId"\s*:\s*(\d{1,18})\b')


class InvalidPayload(ValueError):
    """A payload that does not match its declared data type (``ack_id``: the event's, to answer it)."""

    def __init__(self, message: str, ack_id: int | None = None) -> None:
        super().__init__(message)
        self.ack_id = ack_id


@dataclass(frozen=True, slots=True)
class ClientFrame:
    kind: str  # "event", "sequenceAck", "ping" or "forbidden" (a group operation)
    ack_id: int | None = None
    event: str = ""
    data: str = ""  # the payload as the app receives it (see ``event_data``)
    data_type: str = "json"
    sequence_id: int = 0


def parse_client_frame(text: str) -> ClientFrame | None:
    """The frame, or ``None`` when it is not one this stand-in knows; ``InvalidPayload`` for a bad event."""
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:  # also nesting deeper than 1024 and NaN/Infinity literals
        found = _ACK_ID.search(text)
        raise InvalidPayload("the frame is not valid JSON", int(found.group(1)) if found else None) from None
    if not isinstance(frame, dict):
        return None
    kind = frame.get("type")
    ack_id = frame.get("ackId")
    ack_id = ack_id if isinstance(ack_id, int) and not isinstance(ack_id, bool) else None
    if kind == "event":
        event, data_type = frame.get("event"), frame.get("dataType", "json")
        if not isinstance(event, str) or not event or data_type not in DATA_TYPES:
            raise InvalidPayload("an event needs an event name and a dataType json, text or binary", ack_id)
        try:
            data = event_data(frame.get("data"), data_type)
        except InvalidPayload as exc:
            raise InvalidPayload(str(exc), ack_id) from None
        return ClientFrame("event", ack_id, event, data, data_type)
    if kind == "sequenceAck":
        sequence_id = frame.get("sequenceId")
        if isinstance(sequence_id, int) and not isinstance(sequence_id, bool):
            return ClientFrame("sequenceAck", sequence_id=sequence_id)
        return None
    if kind == "ping":
        return ClientFrame("ping")
    if kind in ("joinGroup", "leaveGroup", "sendToGroup"):
        return ClientFrame("forbidden", ack_id)
    if ack_id is not None:  # a frame this stand-in does not know, but the client waits for its ack
        raise InvalidPayload(f"unknown frame type {str(kind)[:40]!r}", ack_id)
    return None


def event_data(value: Any, data_type: str) -> str:
    """The event payload as the Functions extension hands it on: always a string.

    json: the JSON text of the value; text: the string; binary/protobuf: the base64-decoded bytes read as
    UTF-8 (lossy, as the extension writes binary data into a string)."""
    if data_type == "json":
        return orjson.dumps(value).decode()
    if not isinstance(value, str):
        raise InvalidPayload(f"{data_type} data must be a string")
    if data_type == "text":
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        raise InvalidPayload("binary data must be base64") from None


def connected(connection_id: str, user_id: str | None, reconnection_token: str | None) -> str:
    frame: dict[str, Any] = {"type": "system", "event": "connected", "userId": user_id}
    frame["connectionId"] = connection_id
    if reconnection_token is not None:
        frame["reconnectionToken"] = reconnection_token
    return orjson.dumps(frame).decode()


def disconnected(message: str) -> str:
    return orjson.dumps({"type": "system", "event": "disconnected", "message": message}).decode()


def ack(ack_id: int, error_name: str | None = None, message: str = "") -> str:
    frame: dict[str, Any] = {"type": "ack", "ackId": ack_id, "success": error_name is None}
    if error_name is not None:
        frame["error"] = {"name": error_name, "message": message}
    return orjson.dumps(frame).decode()


def pong() -> str:
    return '{"type":"pong"}'


@dataclass(frozen=True, slots=True)
class Payload:
    """Data for a server message: ``raw`` is the JSON text of the ``data`` field, UTF-8 encoded.

    Bytes end to end: a REST body becomes the WebSocket text frame with one concatenation, never
    decoded to ``str`` and encoded back (a year of 1m chunks is ~33 MB)."""

    data_type: str
    raw: bytes

    def frame(self, sequence_id: int | None) -> bytes:
        tail = b"}" if sequence_id is None else b',"sequenceId":%d}' % sequence_id
        head = b'{"type":"message","from":"server","dataType":"%s","data":' % self.data_type.encode()
        return head + self.raw + tail


def payload_from_body(body: bytes, content_type: str) -> Payload:
    """A REST ``:send`` body by its content type; ``InvalidPayload`` when it does not match."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json":
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidPayload("the body is not JSON") from None
        return Payload("json", bytes(body))  # orjson.loads checked it is UTF-8 JSON
    if media == "text/plain":
        try:
            return Payload("text", orjson.dumps(body.decode()))
        except UnicodeDecodeError:
            raise InvalidPayload("the body is not UTF-8 text") from None
    if media == "application/octet-stream":
        return Payload("binary", orjson.dumps(base64.b64encode(body).decode()))
    raise InvalidPayload("the content type must be application/json, text/plain or application/octet-stream")


def payload_from_reply(reply: dict[str, Any]) -> Payload:
    """A user-event function's reply ``{"data": "<string>", "dataType": ...}`` (dataType defaults to binary,
    as in the extension); ``InvalidPayload`` when ``data`` is not a string or json data is not JSON."""
    data, data_type = reply.get("data"), str(reply.get("dataType", "binary")).lower()
    if not isinstance(data, str):
        raise InvalidPayload("a reply's data must be a string")
    if data_type == "json":
        return payload_from_body(data.encode(), "application/json")
    if data_type == "text":
        return Payload("text", orjson.dumps(data))
    if data_type == "binary":
        return payload_from_body(data.encode(), "application/octet-stream")
    raise InvalidPayload("a reply's dataType must be json, text or binary")
