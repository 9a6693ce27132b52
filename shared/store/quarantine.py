"""Unreadable partitions are set aside, not fatal.

A partition that cannot be decoded (truncated upload, bit rot, a foreign file) would otherwise break
every read, the catalog and every write of its series for good. ``Quarantine.set_aside`` moves it to
``quarantine/<its key>/<UTC time>-<etag>/data`` with a ``reason.json`` beside it (when, why, the
original key, size and ETag), then deletes the original *only if it is still the same object*
(``if_match``): a writer that replaced it meanwhile wins. Deleting it forgets its coverage (coverage
lives in the partition), so the next request for that span fetches it again from the exchange.
``count()`` is what ``/api/health`` reports. An operator can inspect, restore or delete the objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable

from shared.errors import ConflictError
from shared.storage.backend import StorageBackend

log = logging.getLogger(__name__)
ROOT = "quarantine/"
REASON = "reason.json"


class Quarantine:
    def __init__(self, backend: StorageBackend, *, clock: Callable[[], float] = time.time) -> None:
        self._backend = backend
        self._clock = clock

    async def set_aside(self, key: str, reason: str) -> str | None:
        """Move ``key`` aside; the quarantine folder, or ``None`` when it was already gone or replaced
        (another instance set it aside, or a writer repaired it). Never raises for a lost race."""
        current = await self._backend.read(key)
        if current is None:
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self._clock()))
        tag = hashlib.sha256(f"{key}|{current.etag}".encode()).hexdigest()[:12]
        folder = f"{ROOT}{key}/{stamp}-{tag}"
        record = {
            "key": key,
            "reason": reason[:500],
            "quarantined_at": stamp,
            "size": current.size,
            "etag": current.etag,
        }
        try:
            await self._backend.write(f"{folder}/data", current.data, if_none_match=True)
            await self._backend.write(f"{folder}/{REASON}", json.dumps(record).encode(), if_none_match=True)
        except ConflictError:
            pass  # the same object is being set aside by someone else: theirs is as good as ours
        try:
            await self._backend.delete(key, if_match=current.etag)
        except ConflictError:
            log.warning("partition %s changed while being set aside; the newer object stays", key)
            return None
        log.error(
            "partition %s is unreadable (%s); moved to %s, its span is fetched again", key, reason, folder
        )
        return folder

    async def count(self) -> int:
        """How many partitions are in quarantine (one ``reason.json`` each)."""
        listed = await self._backend.list(ROOT)
        return sum(1 for info in listed if info.key.endswith("/" + REASON))
