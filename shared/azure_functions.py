"""The thin edge between ``azure.functions`` types and the plain handlers in ``shared.api``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import azure.functions as func

from shared import runtime
from shared.api.http_handlers import HttpResult, error_result
from shared.composition import Services


def to_response(result: HttpResult) -> func.HttpResponse:
    return func.HttpResponse(
        result.body,
        status_code=result.status,
        headers=dict(result.headers),
        mimetype=result.content_type.split(";")[0],
        charset="utf-8",
    )


def params_of(req: func.HttpRequest) -> dict[str, str]:
    return dict(req.params)


async def answer(handler: Callable[[Services], Awaitable[HttpResult]]) -> func.HttpResponse:
    """Run an HTTP handler with the process's services; a service that cannot start (a wrong
    setting) is answered like any other error, with a code, instead of a bare 500."""
    try:
        services = await runtime.services()
    except Exception as exc:
        return to_response(error_result(exc))
    return to_response(await handler(services))
