"""``GET|POST /api/negotiate``: where a client connects to Web PubSub, with a short-lived token.

The ``webPubSubConnection`` input binding mints the URL; it cannot take the user id from a header
that may be absent (a binding expression on a missing header fails the invocation), so when App
Service authentication names the caller (``x-ms-client-principal-id``) the token is minted for that
user with the Web PubSub service SDK from the same connection string instead.

The header is trustworthy only behind App Service authentication, which strips it from incoming
requests and sets it itself; without it, a caller holding a function key can name any user id. Here a
user id grants nothing (no groups, no roles; answers go to the connection that asked), so that only
labels the connection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from shared.api.http_handlers import HttpResult, error_result, json_result
from shared.errors import ConfigurationError, InvalidRequestError
from shared.webpubsub.service_client import NOT_CONFIGURED, WebPubSubAccess

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

PRINCIPAL_HEADER = "x-ms-client-principal-id"
_USER_ID = re.compile(r"^[A-Za-z0-9@._:+-]{1,128}$")


async def negotiate(services: Services, binding_value: str | None, headers: Mapping[str, str]) -> HttpResult:
    try:
        user_id = _header(headers, PRINCIPAL_HEADER)
        if user_id is None:
            if not binding_value:
                raise ConfigurationError(NOT_CONFIGURED)
            return HttpResult(200, binding_value.encode())
        if not _USER_ID.match(user_id):
            raise InvalidRequestError("the authenticated user id is not usable as a Web PubSub user id")
        return json_result(await _token_for(services, user_id))
    except Exception as exc:  # every failure becomes a clean answer with a code
        return error_result(exc)


async def _token_for(services: Services, user_id: str) -> dict[str, str]:
    settings = services.settings
    access = WebPubSubAccess.from_settings(settings)
    if access is None:
        raise ConfigurationError(NOT_CONFIGURED)
    client, credential = access.open(settings.webpubsub_hub)
    try:
        async with client:
            token = await client.get_client_access_token(user_id=user_id, minutes_to_expire=60)
    finally:
        if credential is not None:
            await credential.close()
    return {"baseUrl": token["baseUrl"], "url": token["url"], "accessToken": token["token"]}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value or None
    return None
