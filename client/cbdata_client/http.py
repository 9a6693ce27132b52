"""The client's plain HTTP calls (negotiate, latest, a Parquet range) with the standard library.

The function key travels in the ``x-functions-key`` header, never in a URL, so no error message or
log line can show it. Error bodies ``{"error": {"code", "message"}}`` become ``ServiceError``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from cbdata_client.errors import ServiceError, ServiceTimeoutError


def get_json(
    base_url: str, path: str, key: str, timeout: float, params: Mapping[str, str] | None = None
) -> Any:
    body = get_bytes(base_url, path, key, timeout, params, accept="application/json")
    try:
        return json.loads(body)
    except ValueError:
        raise ServiceError("BAD_RESPONSE", f"GET {path}: the answer is not JSON") from None


def get_bytes(
    base_url: str,
    path: str,
    key: str,
    timeout: float,
    params: Mapping[str, Any] | None = None,
    *,
    accept: str = "*/*",
) -> bytes:
    url = base_url.rstrip("/") + path + (f"?{urlencode(params)}" if params else "")
    request = urllib.request.Request(url, headers={"x-functions-key": key, "accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise error_from(exc.code, exc.read(), path) from None
    except TimeoutError:
        raise ServiceTimeoutError(f"GET {path}: no answer within {timeout:g} s") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        if isinstance(reason, TimeoutError):
            raise ServiceTimeoutError(f"GET {path}: no answer within {timeout:g} s") from None
        raise ServiceError("UNREACHABLE", f"cannot reach {base_url}: {reason}") from None
    return body


def error_from(status: int, body: bytes, path: str) -> ServiceError:
    """The service's ``{"error": {"code", "message"}}`` as a ``ServiceError``, else ``HTTP_<status>``."""
    try:
        error = json.loads(body).get("error")
        return ServiceError(str(error["code"]), str(error["message"]), http_status=status)
    except (ValueError, AttributeError, KeyError, TypeError):
        hint = " (is the function key right?)" if status in (401, 403) else ""
        return ServiceError(f"HTTP_{status}", f"GET {path} answered {status}{hint}", http_status=status)
