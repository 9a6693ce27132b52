"""Per-connection limit on concurrent historical requests, shared by every instance through storage.

Each active job holds one small marker object ``webpubsub/jobs/<encoded connection id>/<job id>.json``
(``{"job_id", "created_ms"}``). ``acquire`` writes its marker first, then counts the live markers of
the connection; over the limit it removes its own marker again and refuses. Two instances racing for
the last slot may therefore both refuse, but the limit is never exceeded. Markers older than the TTL
are ignored and removed (a job whose instance died never releases its slot); a worker renews its
marker on every attempt so a long job keeps its slot.

Connection ids come from the trigger payload: they are validated and then base64url-encoded, so the
key segment only holds ``[A-Za-z0-9_-]`` whatever the id is. Job ids are checked against a strict pattern.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable

import orjson

from shared.errors import InvalidRequestError, StorageError
from shared.storage.backend import StorageBackend
from shared.webpubsub.trigger import validate_connection_id

log = logging.getLogger(__name__)
PREFIX = "webpubsub/jobs/"
DEFAULT_TTL_SECONDS = 900.0
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def connection_segment(connection_id: str) -> str:
    """The storage key segment for a connection: base64url without padding (never '.', '/', '..')."""
    raw = validate_connection_id(connection_id).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def validate_job_id(job_id: object) -> str:
    if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
        raise InvalidRequestError("invalid job id")
    return job_id


def marker_key(connection_id: str, job_id: str) -> str:
    return f"{PREFIX}{connection_segment(connection_id)}/{validate_job_id(job_id)}.json"


class ConnectionLimiter:
    def __init__(
        self,
        backend: StorageBackend,
        max_active: int,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_active < 1:
            raise ValueError("max_active must be at least 1")
        self.backend = backend
        self.max_active = max_active
        self.ttl_ms = int(ttl_seconds * 1000)
        self._clock = clock

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    async def acquire(self, connection_id: str, job_id: str) -> bool:
        """Take a slot for ``job_id``; ``False`` when the connection already has ``max_active`` jobs."""
        key = marker_key(connection_id, job_id)
        await self._write(key, job_id)
        live = await self.active(connection_id)
        if len(live) <= self.max_active:
            return True
        await self.backend.delete(key)
        return False

    async def renew(self, connection_id: str, job_id: str) -> None:
        """Restart the marker's TTL (or recreate it): called when a queued attempt starts."""
        await self._write(marker_key(connection_id, job_id), job_id)

    async def release(self, connection_id: str, job_id: str) -> None:
        await self.backend.delete(marker_key(connection_id, job_id))

    async def active(self, connection_id: str) -> list[str]:
        """Job ids holding a live slot of the connection; stale markers are removed on the way."""
        prefix = f"{PREFIX}{connection_segment(connection_id)}/"
        now, live = self._now_ms(), []
        for info in await self.backend.list(prefix):
            created = await self._created_ms(info.key)
            if created is None:
                continue
            if now - created > self.ttl_ms:
                await self._remove_stale(info.key)
            else:
                live.append(info.key[len(prefix) :].removesuffix(".json"))
        return live

    async def _write(self, key: str, job_id: str) -> None:
        await self.backend.write(key, orjson.dumps({"job_id": job_id, "created_ms": self._now_ms()}))

    async def _created_ms(self, key: str) -> int | None:
        found = await self.backend.read(key)
        if found is None:  # released meanwhile
            return None
        try:
            created = orjson.loads(found.data)["created_ms"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            created = None
        return created if isinstance(created, int) else 0  # unreadable markers count as stale

    async def _remove_stale(self, key: str) -> None:
        try:
            await self.backend.delete(key)
        except StorageError as exc:  # another instance may be doing the same
            log.warning("could not remove a stale job marker: %s", exc)
