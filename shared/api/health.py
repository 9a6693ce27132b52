"""``GET /api/health`` (anonymous) and ``GET /api/health/deep`` (master key): one status per part.

The answer never names an endpoint, an account or a key. ``200`` while the service can serve
(``ok`` or ``degraded``), ``503`` when it cannot (storage down, or a setting keeps it from starting).
See docs/protocol.md for the parts and codes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from shared.errors import DataServiceError
from shared.health import DOWN, PART_DEADLINE_SECONDS, Part, check_parts
from shared.health.job_queue import job_queue_access
from shared.health.parts import exchange_part, queue_part, storage_part, webpubsub_part
from shared.health.report import Check, body_of
from shared.storage.blob_options import probe_options

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

log = logging.getLogger(__name__)


async def health(
    get_services: Callable[[], Awaitable[Services]],
    *,
    queue_name: str | None = None,
    deep: bool = False,
    deadline: float = PART_DEADLINE_SECONDS,
) -> tuple[int, dict[str, Any]]:
    """``(http_status, body)``. ``queue_name``: the job queue to check in ``AzureWebJobsStorage``;
    ``deep``: also one cheap call to each enabled exchange (admin-only route); ``deadline``: per part
    (and for the service to start), under ``ANSWER_WITHIN_SECONDS`` in all."""
    try:
        async with asyncio.timeout(deadline):
            services = await get_services()
    except DataServiceError as exc:
        log.error("health: the service cannot start: %s", exc)
        return 503, {"status": DOWN, "code": exc.code}
    except TimeoutError:
        log.error("health: the service did not start within %.1f s", deadline)
        return 503, {"status": DOWN, "code": "STARTING"}
    parts = await check_parts(_checks(services, queue_name, deep), deadline)
    body = body_of(parts)
    return (503 if body["status"] == DOWN else 200), body


def _checks(services: Services, queue_name: str | None, deep: bool) -> list[Check]:
    settings = services.settings

    async def storage() -> Part:
        return await storage_part(services.backend, settings.storage.type, services.store.quarantine)

    checks: list[Check] = [("storage", storage)]
    access = job_queue_access(
        settings.azure_webjobs_storage.get_secret_value() if settings.azure_webjobs_storage else None,
        settings.azure_webjobs_storage_queue_service_uri,
        settings.azure_webjobs_storage_account_name,
        settings.azure_webjobs_storage_credential,
        settings.azure_webjobs_storage_client_id,
    )
    if queue_name and access is not None:
        options = {**probe_options(settings.storage), "retry_total": 0}
        checks.append(("queue", lambda: queue_part(access, queue_name, options)))
    if settings.webpubsub_connection_string is not None:
        connection_string = settings.webpubsub_connection_string.get_secret_value()

        async def webpubsub() -> Part:
            return webpubsub_part(connection_string, settings.webpubsub_hub)

        checks.append(("webpubsub", webpubsub))
    if deep:
        checks += [(f"exchange:{e}", _exchange_check(services, e)) for e in services.exchanges.allowed]
    return checks


def _exchange_check(services: Services, exchange_id: str) -> Callable[[], Awaitable[Part]]:
    async def check() -> Part:
        return await exchange_part(services.exchanges, exchange_id)

    return check
