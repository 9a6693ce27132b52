"""Access tokens of the local Web PubSub stand-in: minted as Azure's service SDK mints them, checked as the
service checks them.

``client_access`` gives what the ``webPubSubConnection`` input binding gives a function
(``{"baseUrl", "url", "accessToken"}``); the token is the one the service SDK's
``WebPubSubServiceClient.get_client_access_token`` makes for the same endpoint and key: HS256
signed with the access key string itself, audience
``<endpoint lowercased>/client/hubs/<hub>``, ``iat``, ``exp`` and ``sub`` (the user id) when there is one.

``verify_client_token`` checks what a WebSocket client presents; the host part of the audience is not
compared (a local server is reached as ``localhost``, ``127.0.0.1`` or a LAN name alike), its path must name
the hub. ``verify_service_token`` checks the bearer token the service SDK signs for one REST request: its
audience is the full request URL, as in ``tests/fakes/webpubsub_service.py``. Both raise ``TokenRejected``
whose message never contains the token or the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt

_CLIENT_PATH = "/client/hubs/"


class TokenRejected(Exception):
    """The token is missing, malformed, signed with another key, expired or for another hub/URL."""


@dataclass(frozen=True, slots=True)
class ClientClaims:
    user_id: str | None
    roles: tuple[str, ...]
    expires_at: datetime


def client_audience(endpoint_http: str, hub: str) -> str:
    """The audience the service SDK signs client tokens for (it lowercases the endpoint, not the hub)."""
    return f"{endpoint_http.lower().rstrip('/')}{_CLIENT_PATH}{hub}"


def client_url(endpoint_http: str, hub: str) -> str:
    endpoint = endpoint_http.lower().rstrip("/")
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"the endpoint must start with http:// or https://, not {endpoint_http[:8]!r}")
    return f"ws{endpoint[4:]}{_CLIENT_PATH}{hub}"


def client_access(
    endpoint_http: str, access_key: str, hub: str, user_id: str | None, minutes: int = 60
) -> dict[str, str]:
    """``{"baseUrl", "url", "accessToken"}`` for a client of ``hub``; ws:// for an http:// endpoint."""
    base_url = client_url(endpoint_http, hub)
    now = datetime.now(tz=UTC)
    payload: dict[str, Any] = {
        "aud": client_audience(endpoint_http, hub),
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    if user_id:
        payload["sub"] = user_id
    token = jwt.encode(payload, access_key, algorithm="HS256")
    return {"baseUrl": base_url, "url": f"{base_url}?access_token={token}", "accessToken": token}


def verify_client_token(token: str | None, access_key: str, hub: str) -> ClientClaims:
    """The claims of a valid client token for ``hub``; ``TokenRejected`` otherwise."""
    if not token:
        raise TokenRejected("no access token")
    try:
        claims = jwt.decode(
            token,
            access_key,
            algorithms=["HS256"],
            options={"require": ["exp", "aud"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("the access token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise TokenRejected(f"the access token is invalid ({type(exc).__name__})") from None
    audience = claims["aud"]
    if not isinstance(audience, str) or not _names_hub(audience, hub):
        raise TokenRejected("the access token is not for this hub")
    user_id = claims.get("sub")
    roles = claims.get("role") or ()
    return ClientClaims(
        user_id=user_id if isinstance(user_id, str) and user_id else None,
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
        expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
    )


def verify_service_token(authorization: str | None, access_key: str, request_url: str) -> None:
    """Check the ``Authorization: Bearer`` header the service SDK sends; audience = the request URL."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Bearer" or not token:
        raise TokenRejected("no bearer token")
    try:
        jwt.decode(
            token, access_key, algorithms=["HS256"], audience=request_url, options={"require": ["exp"]}
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("the bearer token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise TokenRejected(f"the bearer token is invalid ({type(exc).__name__})") from None


def _names_hub(audience: str, hub: str) -> bool:
    parts = urlsplit(audience)
    if parts.scheme.lower() not in ("http", "https", "ws", "wss"):
        return False
    return parts.path.rstrip("/").lower() == f"{_CLIENT_PATH}{hub}".lower()
