"""Web PubSub trigger payloads exactly as the Functions extension hands them to a Python function:
a string of indented JSON (Newtonsoft), enum names capitalised (``User``, ``Json``), ``data`` a string."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

HUB = "marketdata"
ACCESS_KEY = "dGVzdC1hY2Nlc3Mta2V5LW5vdC1hLXNlY3JldA=="


def user_event(
    data: Any,
    *,
    event_name: str = "request_historical",
    connection_id: str = "conn-1",
    hub: str = HUB,
    data_type: str = "Json",
    user_id: str | None = "user-1",
    **extra: Any,
) -> str:
    """``data`` that is not a string is JSON-encoded first (as the service delivers a JSON message)."""
    text = data if isinstance(data, str) else json.dumps(data)
    signature = hmac.new(ACCESS_KEY.encode(), connection_id.encode(), hashlib.sha256).hexdigest()
    payload = {
        "connectionContext": {
            "eventType": "User",
            "eventName": event_name,
            "hub": hub,
            "connectionId": connection_id,
            "userId": user_id,
            "signature": f"sha256={signature}",
            "origin": "127.0.0.1",
            "states": {},
            "headers": {"Host": ["127.0.0.1"], "ce-type": [f"azure.webpubsub.user.{event_name}"]},
        },
        "data": text,
        "dataType": data_type,
        **extra,
    }
    return json.dumps(payload, indent=2)
