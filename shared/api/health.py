"""Liveness and storage reachability, for ``GET /api/health``: nothing secret in the answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from shared.errors import DataServiceError

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

log = logging.getLogger(__name__)


async def health(get_services: Callable[[], Awaitable[Services]]) -> tuple[int, dict]:
    """``(http_status, body)``: 200 when storage answers, 503 when it does not or the service cannot
    start (a wrong setting: the code says so, the message stays in the logs)."""
    try:
        services = await get_services()
    except DataServiceError as exc:
        log.error("health: the service cannot start: %s", exc)
        return 503, {"status": "unavailable", "code": exc.code}
    body: dict = {"status": "ok", "storage": {"type": services.settings.storage.type, "reachable": True}}
    try:
        await services.backend.ping()
    except DataServiceError as exc:
        log.warning("health: storage unreachable: %s", exc.code)
        body["status"] = "degraded"
        body["storage"] = {"type": services.settings.storage.type, "reachable": False, "code": exc.code}
        return 503, body
    return 200, body
