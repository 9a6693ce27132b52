"""Liveness and storage reachability, for ``GET /api/health``: nothing secret in the answer."""

from __future__ import annotations

import logging

from shared.composition import Services
from shared.errors import DataServiceError

log = logging.getLogger(__name__)


async def health(services: Services) -> tuple[int, dict]:
    """``(http_status, body)``: 200 when storage answers, 503 when it does not."""
    body: dict = {"status": "ok", "storage": {"type": services.settings.storage.type, "reachable": True}}
    try:
        await services.backend.ping()
    except DataServiceError as exc:
        log.warning("health: storage unreachable: %s", exc.code)
        body["status"] = "degraded"
        body["storage"] = {"type": services.settings.storage.type, "reachable": False, "code": exc.code}
        return 503, body
    return 200, body
