"""The Web PubSub trigger payload, parsed exactly as the Functions extension sends it.

The trigger argument named ``request`` arrives as a string of (indented) JSON::

    {"connectionContext": {"eventType": "User", "eventName": "request_historical", "hub": "marketdata",
                           "connectionId": "...", "userId": "..." | null, "signature": "sha256=...",
                           "origin": "...", "states": {}, "headers": {...}},
     "data": "<the client's message, always a string>", "dataType": "Json" | "Text" | "Binary"}

The extension writes enum names capitalised (``User``, ``Json``); they are compared case-insensitively.
Unknown fields are ignored (the extension may add some). Everything wrong raises ``InvalidRequestError``
whose message quotes client values only shortened and through ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from shared.errors import InvalidRequestError

DATA_TYPES = ("json", "text", "binary")
MAX_CONNECTION_ID_LENGTH = 256
MAX_NAME_LENGTH = 128
# Connection ids are opaque service tokens: printable ASCII without spaces. They are URL-quoted before
# they reach a service URL and encoded (shared.webpubsub.limits) before they reach a storage key.
_CONNECTION_ID = re.compile(rf"^[\x21-\x7e]{{1,{MAX_CONNECTION_ID_LENGTH}}}$")
# Slack over the client's data for the context, headers and JSON escaping of ``data``.
ENVELOPE_SLACK_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class UserEvent:
    event_name: str
    connection_id: str
    hub: str
    user_id: str | None
    data: str
    data_type: str  # lower case: json | text | binary


def shown(value: Any, limit: int = 40) -> str:
    """A client value fit for a message or a log line: ``repr`` of a short prefix."""
    text = value if isinstance(value, str) else type(value).__name__
    return repr(text[:limit])


def validate_connection_id(value: Any) -> str:
    # "." and ".." are dot segments: an HTTP client resolves them away, turning a send to one connection
    # into a send to the whole hub (/api/hubs/{hub}/:send).
    if not isinstance(value, str) or not _CONNECTION_ID.match(value) or value in (".", ".."):
        raise InvalidRequestError(f"the trigger payload has an invalid connectionId {shown(value)}")
    return value


def parse_user_event(raw: str | bytes, *, max_data_bytes: int) -> UserEvent:
    """The user event in ``raw``; ``InvalidRequestError`` when it is not one."""
    if not isinstance(raw, str | bytes | bytearray):
        raise InvalidRequestError("the trigger payload must be a JSON string")
    if len(raw) > 6 * max_data_bytes + ENVELOPE_SLACK_BYTES:  # never parse absurd payloads
        raise InvalidRequestError(f"the message is larger than {max_data_bytes:,} bytes")
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRequestError("the trigger payload is not valid JSON") from None
    if not isinstance(event, dict):
        raise InvalidRequestError("the trigger payload must be a JSON object")
    context = event.get("connectionContext")
    if not isinstance(context, dict):
        raise InvalidRequestError("the trigger payload has no connectionContext object")
    event_type = context.get("eventType")
    if not isinstance(event_type, str) or event_type.lower() != "user":
        raise InvalidRequestError(f"expected a user event, got eventType {shown(event_type)}")
    return UserEvent(
        event_name=_name(context.get("eventName"), "eventName"),
        connection_id=validate_connection_id(context.get("connectionId")),
        hub=_name(context.get("hub"), "hub"),
        user_id=_user_id(context.get("userId")),
        data=_data(event.get("data"), max_data_bytes),
        data_type=_data_type(event.get("dataType")),
    )


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_LENGTH:
        raise InvalidRequestError(f"the trigger payload has an invalid {field} {shown(value)}")
    return value


def _user_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CONNECTION_ID_LENGTH:
        raise InvalidRequestError("the trigger payload has an invalid userId")
    return value


def _data(value: Any, max_bytes: int) -> str:
    if not isinstance(value, str):
        raise InvalidRequestError("the message data must be a JSON object sent with dataType json")
    if len(value) > max_bytes:  # characters >= bytes/4; the exact byte check is the request parser's
        raise InvalidRequestError(f"the message is larger than {max_bytes:,} bytes")
    return value


def _data_type(value: Any) -> str:
    lowered = value.lower() if isinstance(value, str) else None
    if lowered not in DATA_TYPES:
        raise InvalidRequestError(f"the trigger payload has an unknown dataType {shown(value)}")
    return lowered
