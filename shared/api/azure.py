"""The thin edge between ``azure.functions`` types and the plain handlers in ``shared.api``."""

from __future__ import annotations

import azure.functions as func

from shared.api.http_handlers import HttpResult


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
