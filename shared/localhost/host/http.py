"""HTTP-triggered functions on aiohttp: ``/api/<route>`` with the function's methods and auth level.

A request becomes a real ``func.HttpRequest`` (method, full URL, headers, query parameters, route
parameters, body); the function's ``func.HttpResponse`` becomes the answer (status, headers, the
``Content-Type`` from its mimetype and charset unless a header sets it, body). Input bindings other
than the trigger get their value from ``inputs`` (binding type -> value), e.g. ``webPubSubConnection``;
queue outputs are enqueued after the call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import azure.functions as func
from aiohttp import web

from shared.localhost.host.bindings import HTTP, AppIndex, Function
from shared.localhost.host.invoke import Enqueue, call_with_outputs
from shared.localhost.host.keys import HostKeys, unauthorized_body

log = logging.getLogger(__name__)
ALL_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
InputValue = Callable[[dict[str, Any], web.Request], Any]
# Route template parameters: "{id}", "{id:int}", "{id:alpha?}" -> "{id}" (constraints are not checked).
_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\??\}")


def add_http_routes(
    app: web.Application,
    functions: AppIndex,
    keys: HostKeys,
    inputs: Mapping[str, InputValue],
    enqueue: Enqueue,
    prefix: str = "api",
) -> list[str]:
    """Add one route per HTTP function; returns the paths added. ``inputs`` maps binding type -> value."""
    paths = []
    for function in functions.of_kind(HTTP):
        route = function.trigger.get("route") or function.name
        path = "/" + "/".join(p for p in (prefix.strip("/"), _PARAM.sub(r"{\1}", route).strip("/")) if p)
        handler = _handler(function, keys, inputs, enqueue)
        for method in function.trigger.get("methods") or ALL_METHODS:
            app.router.add_route(method.upper(), path, handler)
        paths.append(path)
    return paths


def _handler(function: Function, keys: HostKeys, inputs: Mapping[str, InputValue], enqueue: Enqueue):
    level = str(function.trigger.get("authLevel", "FUNCTION"))

    async def handle(request: web.Request) -> web.StreamResponse:
        if not keys.allows(level, request.headers, request.query):
            return web.json_response(unauthorized_body(), status=401)
        values = {b["name"]: inputs[b["type"]](b, request) for b in function.inputs}
        try:
            result = await call_with_outputs(function, await to_http_request(request), enqueue, values)
            return to_web_response(result)
        except Exception:
            log.exception("function %s failed", function.name)
            return web.json_response(
                {"error": {"code": "INTERNAL_ERROR", "message": f"function {function.name} failed"}},
                status=500,
            )

    return handle


async def to_http_request(request: web.Request) -> func.HttpRequest:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():  # repeated headers are joined, as HTTP allows
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=headers,
        params=dict(request.query),
        route_params=dict(request.match_info),
        body=await request.read(),
    )


def to_web_response(result: Any) -> web.Response:
    if result is None:
        return web.Response(status=204)
    if isinstance(result, str | bytes):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"an HTTP function returned {type(result).__name__}, not func.HttpResponse")
    response = web.Response(status=result.status_code, body=result.get_body())
    for name, value in result.headers.items():
        response.headers[name] = value
    if "Content-Type" not in response.headers:
        response.headers["Content-Type"] = f"{result.mimetype}; charset={result.charset}"
    return response
