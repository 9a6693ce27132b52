"""One check per part of the service. Each returns a ``Part``; none raises, none names an endpoint,
an account or a key (details go to the operator's log).

* ``storage``: one cheap call (``backend.ping``); ``degraded`` when partitions are quarantined.
* ``queue``: the historical job queue in ``AzureWebJobsStorage`` (only where that is set, as a
  connection string or identity-based: ``job_queue``): one ``get_queue_properties`` call, no retry;
  reports the approximate backlog.
* ``webpubsub``: the connection string's parts (only where it is set); no call.
* ``exchange:<id>``: one cheap public call (server time, or the markets), admin-only deep check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from shared.errors import DataServiceError
from shared.health.job_queue import JobQueueAccess, queue_client, token_credential

log = logging.getLogger(__name__)
OK, DEGRADED, DOWN = "ok", "degraded", "down"
RANK = {OK: 0, DEGRADED: 1, DOWN: 2}


@dataclass(frozen=True)
class Part:
    name: str
    status: str
    code: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, **self.details}


async def storage_part(backend: Any, storage_type: str, quarantine: Any = None) -> Part:
    """``quarantine``: a ``shared.store.quarantine.Quarantine`` whose count is reported."""
    details: dict[str, Any] = {"type": storage_type}
    try:
        await backend.ping()
        quarantined = await quarantine.count() if quarantine is not None else 0
    except DataServiceError as exc:
        log.warning("health: storage unreachable: %s", exc)
        return Part("storage", DOWN, "STORAGE_UNREACHABLE", details)
    if quarantined:
        details["quarantined"] = quarantined
        return Part("storage", DEGRADED, "PARTITIONS_QUARANTINED", details)
    return Part("storage", OK, "OK", details)


async def queue_part(access: JobQueueAccess, queue_name: str, options: dict[str, Any]) -> Part:
    """``access``: ``AzureWebJobsStorage`` in either form (``job_queue``)."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    credential = token_credential(access) if access.identity_based else None
    try:
        try:
            client = queue_client(access, queue_name, options, credential)
        except (ValueError, AzureError):
            return Part("queue", DOWN, "CONFIGURATION_ERROR", {"queue": queue_name})
        try:
            async with client:
                properties = await client.get_queue_properties()
        except ResourceNotFoundError:  # the host creates it on first use
            return Part("queue", OK, "OK", {"queue": queue_name, "messages": 0})
        except AzureError as exc:  # with identity: also ClientAuthenticationError (no identity here)
            log.warning("health: queue %s unreachable (%s)", queue_name, type(exc).__name__)
            return Part("queue", DOWN, "QUEUE_UNREACHABLE", {"queue": queue_name})
    finally:
        if credential is not None:
            await credential.close()
    count = properties.approximate_message_count or 0
    return Part("queue", OK, "OK", {"queue": queue_name, "messages": count})


def webpubsub_part(connection_string: str, hub: str) -> Part:
    fields = dict(p.split("=", 1) for p in connection_string.split(";") if "=" in p)
    endpoint, key = fields.get("Endpoint", ""), fields.get("AccessKey", "")
    if not endpoint.startswith(("http://", "https://")) or not key:
        return Part("webpubsub", DOWN, "CONFIGURATION_ERROR", {"hub": hub})
    return Part("webpubsub", OK, "OK", {"hub": hub})


async def exchange_part(registry: Any, exchange_id: str) -> Part:
    name = f"exchange:{exchange_id}"
    try:
        await registry.get(exchange_id).ping()
    except DataServiceError as exc:
        log.warning("health: %s: %s", exchange_id, exc)
        status = DEGRADED if exc.code == "EXCHANGE_RATE_LIMITED" else DOWN
        return Part(name, status, exc.code)
    return Part(name, OK, "OK")
