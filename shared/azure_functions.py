"""The thin edge between ``azure.functions`` types and the plain handlers in ``shared.api``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import azure.functions as func

from shared import runtime
from shared.api.http_handlers import HttpResult, error_result
from shared.api.query import single_params
from shared.composition import Services
from shared.memory import release_free_memory


def to_response(result: HttpResult) -> func.HttpResponse:
    return func.HttpResponse(
        result.body,
        status_code=result.status,
        headers=dict(result.headers),
        mimetype=result.content_type.split(";")[0],
        charset="utf-8",
    )


def params_of(req: func.HttpRequest) -> dict[str, str]:
    """The query parameters, each given once (``INVALID_REQUEST`` naming a repeated one)."""
    return single_params(req.url, req.params)


async def answer(handler: Callable[[Services], Awaitable[HttpResult]]) -> func.HttpResponse:
    """Run an HTTP handler with the process's services; a service that cannot start (a wrong
    setting) is answered like any other error, with a code, instead of a bare 500."""
    try:
        services = await runtime.services()
    except Exception as exc:
        return to_response(error_result(exc))
    try:
        response = to_response(await handler(services))
    except Exception as exc:  # e.g. a repeated query parameter, found while reading the request
        return to_response(error_result(exc))
    await asyncio.to_thread(release_free_memory)  # what building the answer freed (shared/memory.py)
    return response
