"""The local host's socket: every request answered with the JSON error shape, even those aiohttp
refuses before the app sees them.

aiohttp answers a request line or header over its limits (and any unparsable request) itself, with a
plain-text 400 that quotes the first 100 bytes of the offending line -- a ``?code=`` key included --
and logs a traceback holding the same bytes. ``JsonErrorsHandler`` (the public ``RequestHandler``
extension point, ``handle_error``) answers instead ``414`` (URL over ``MAX_URL_BYTES``), ``431``
(a header over ``MAX_HEADER_BYTES``) or ``400``, each ``{"error": {"code": "INVALID_REQUEST", ...}}``,
and logs one line with neither the query string nor any header value. ``json_errors`` (a middleware)
does the same for the app's own refusals (unknown route, wrong method, body too large, a refused
WebSocket upgrade): one JSON shape for every malformed request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

log = logging.getLogger(__name__)
MAX_URL_BYTES = 8192  # request line: method, path and query string
MAX_HEADER_BYTES = 16384  # one header field (name or value); distinct from the URL limit on purpose
CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 401: "UNAUTHORIZED", 403: "FORBIDDEN"}


def error_body(status: int, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": CODES.get(status, "INVALID_REQUEST" if status < 500 else "INTERNAL_ERROR"),
                      "message": message}}  # fmt: skip


def _refusal(exc: BaseException | None, status: int) -> tuple[int, str]:
    if isinstance(exc, LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else None
        if limit == MAX_URL_BYTES:
            return 414, f"the URL is longer than {MAX_URL_BYTES} bytes"
        return 431, f"a request header is longer than {MAX_HEADER_BYTES} bytes"
    if isinstance(exc, HttpProcessingError):
        return 400, f"the request is not valid HTTP ({type(exc).__name__})"
    if status >= 500:
        return 500, "the local host failed"
    return status, "the request is not valid HTTP"


class JsonErrorsHandler(web.RequestHandler):
    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        status, text = _refusal(exc, status)
        if status >= 500:
            log.error("local host: a request failed (%s)", type(exc).__name__ if exc else "unknown")
        else:  # one line: never the request line, the query string or a header value
            log.warning(
                "local host: refused a malformed request from %s: %d %s", request.remote, status, text
            )
        response = web.json_response(error_body(status, text), status=status)
        response.force_close()
        return response


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        text = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        log.info("local host: %s %s -> %d", request.method, request.path, exc.status)  # no query string
        return web.json_response(error_body(exc.status, text or exc.reason), status=exc.status)


async def listen(runner: web.BaseRunner, host: str, port: int) -> asyncio.Server:
    """Serve ``runner`` (after ``setup``) on ``host:port`` with ``JsonErrorsHandler`` connections;
    the caller closes the returned server before ``runner.cleanup()``."""
    loop = asyncio.get_running_loop()
    server = runner.server
    assert server is not None, "call runner.setup() first"

    def connection() -> JsonErrorsHandler:
        return JsonErrorsHandler(
            server,
            loop=loop,
            access_log=None,  # type: ignore[arg-type]  # documented: None disables the access log
            max_line_size=MAX_URL_BYTES,
            max_field_size=MAX_HEADER_BYTES,
        )

    return await loop.create_server(connection, host, port, reuse_address=True)  # type: ignore[return-value]
