"""Function and master keys of the local host, checked the way the Functions host checks them.

A key arrives in the ``x-functions-key`` header or the ``code`` query parameter. ``ANONYMOUS`` routes
need none, ``FUNCTION`` routes the function key or the master key, ``ADMIN`` routes the master key.
Keys come from ``LOCAL_FUNCTION_KEY`` / ``LOCAL_MASTER_KEY`` or are generated for this run; they are
never logged (``serve`` prints generated ones once, at start-up).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from shared.settings import Settings

HEADER = "x-functions-key"
QUERY = "code"
ANONYMOUS, FUNCTION, ADMIN = "ANONYMOUS", "FUNCTION", "ADMIN"


@dataclass(frozen=True)
class HostKeys:
    function_key: SecretStr
    master_key: SecretStr
    function_key_generated: bool = False
    master_key_generated: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> HostKeys:
        function_key, master_key = settings.local_function_key, settings.local_master_key
        return cls(
            function_key or SecretStr(secrets.token_urlsafe(32)),
            master_key or SecretStr(secrets.token_urlsafe(32)),
            function_key_generated=function_key is None,
            master_key_generated=master_key is None,
        )

    def allows(self, level: str, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        """Whether a request with these headers and query parameters may call a route of ``level``."""
        level = level.upper()
        if level == ANONYMOUS:
            return True
        given = headers.get(HEADER) or query.get(QUERY) or ""
        if _same(given, self.master_key):
            return True
        return level == FUNCTION and _same(given, self.function_key)


def _same(given: str, key: SecretStr) -> bool:
    # Constant time, so the answer does not tell how much of a guessed key was right.
    return hmac.compare_digest(given.encode(), key.get_secret_value().encode())


def unauthorized_body() -> dict[str, dict[str, str]]:
    return {
        "error": {
            "code": "UNAUTHORIZED",
            "message": f"this route needs a key: the {HEADER!r} header or the {QUERY!r} query parameter",
        }
    }
