"""Web PubSub user events to the app's ``webPubSubTrigger`` functions, as the Functions extension does it.

The stand-in hands over a ``UserEventCall`` (hub, event name, connection, user, data, data type); the
function with that (hub, event name), compared case-insensitively, gets the trigger value chosen by its
parameter name: ``request`` is the whole event as a string of indented JSON with the enum names
capitalised (``"User"``, ``"Json"``) and ``data`` a string, ``data``/``dataType``/``connectionContext``
the parts. Its queue outputs are enqueued after it returns (dropped when it raises); its return value
(a dict ``{"data": str, "dataType": ...}``) is the reply. A returned non-dict reaches no client (the
extension rejects it), so it becomes no reply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Protocol

from shared.localhost.host.bindings import AppIndex, Function
from shared.localhost.host.invoke import Enqueue, call_with_outputs

log = logging.getLogger(__name__)


class UserEventCall(Protocol):  # what the stand-in passes (shared.localhost.webpubsub.events); read-only
    @property
    def hub(self) -> str: ...
    @property
    def event_name(self) -> str: ...
    @property
    def connection_id(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def data(self) -> str: ...
    @property
    def data_type(self) -> str: ...


class NoSuchEvent(LookupError):
    """No function handles this (hub, event): the extension answers such an event with 404."""


def trigger_payload(call: UserEventCall, access_key: str, origin: str = "127.0.0.1") -> dict[str, Any]:
    signature = hmac.new(access_key.encode(), call.connection_id.encode(), hashlib.sha256).hexdigest()
    return {
        "connectionContext": {
            "eventType": "User",
            "eventName": call.event_name,
            "hub": call.hub,
            "connectionId": call.connection_id,
            "userId": call.user_id,
            "signature": f"sha256={signature}",
            "origin": origin,
            "states": {},
            "headers": {"Host": [origin], "ce-type": [f"azure.webpubsub.user.{call.event_name}"]},
        },
        "data": call.data,
        "dataType": (call.data_type or "binary").capitalize(),
    }


def trigger_value(name: str, payload: dict[str, Any]) -> str | None:
    """The value of a trigger parameter, chosen by its name like the extension does."""
    lowered = name.lower()
    if lowered == "request":
        return json.dumps(payload, indent=2)
    if lowered == "data":
        return payload["data"]
    if lowered == "datatype":
        return payload["dataType"]
    if lowered == "connectioncontext":
        return json.dumps(payload["connectionContext"], indent=2)
    return None


class UserEventDispatcher:
    """``Dispatch`` for the stand-in: ``await dispatcher(call)`` -> reply dict or None."""

    def __init__(self, functions: AppIndex, access_key: str, enqueue: Enqueue) -> None:
        self._functions = functions.user_events()
        self._access_key = access_key
        self._enqueue = enqueue

    async def __call__(self, call: UserEventCall) -> dict[str, Any] | None:
        function = self._functions.get((call.hub.lower(), call.event_name.lower()))
        if function is None:
            raise NoSuchEvent(f"no function handles the event {call.event_name!r} of hub {call.hub!r}")
        value = trigger_value(function.trigger["name"], trigger_payload(call, self._access_key))
        try:
            result = await call_with_outputs(function, value, self._enqueue)
        except Exception:
            log.exception("user-event function %s failed", function.name)
            raise
        return reply_of(function, result)


def reply_of(function: Function, result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    if not isinstance(result, dict) or not isinstance(result.get("data", ""), str):
        log.error(
            "user-event function %s returned %s, not a reply dict; nothing is sent",
            function.name,
            type(result).__name__,
        )
        return None
    reply = dict(result)
    reply["dataType"] = str(reply.get("dataType") or "binary").lower()  # the extension's default
    return reply
