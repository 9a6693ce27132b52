"""The portfolio's storage, on either backend: latest document, history, state; all writes conditional.

- ``portfolio/latest/<account>.json``: the newest snapshot (or the newest failure, with the last good
  assets kept). Replaced only by a newer one (``if_match``): an overlapping older run never wins.
- ``portfolio/account=<account>/year=YYYY/month=MM/YYYY-MM-DD.parquet``: history (history.py); a sync's
  rows are appended once, keyed by its time.
- ``portfolio/state/<account>.json``: the trade cursors and cost (state.py), changed by
  read-modify-write under ``if_match`` and retried on a conflict: two overlapping runs never apply a
  trade twice or lose one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson

from shared.backoff import RetryPolicy, on, with_retries
from shared.errors import ConflictError, StorageError
from shared.portfolio import history
from shared.portfolio.models import Snapshot
from shared.portfolio.state import AccountState, decode, encode
from shared.storage.backend import StorageBackend

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 8
# full jitter: overlapping runs spread out instead of colliding again in lockstep
CONFLICT_RETRY = RetryPolicy(MAX_ATTEMPTS, base_delay_s=0.02, max_delay_s=1.0, min_jitter=0.0)


def latest_key(account: str) -> str:
    return f"{history.PREFIX}latest/{account}.json"


def state_key(account: str) -> str:
    return f"{history.PREFIX}state/{account}.json"


class PortfolioStore:
    def __init__(self, backend: StorageBackend, *, sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        self._backend = backend
        self._sleep = sleep

    # -- state ---------------------------------------------------------------------------------
    async def state(self, account: str) -> AccountState:
        stored = await self._backend.read(state_key(account))
        return decode(stored.data) if stored is not None else AccountState()

    async def update_state(
        self, account: str, change: Callable[[AccountState], AccountState]
    ) -> AccountState:
        """Apply ``change`` to the stored state and write it back, re-reading after a conflict."""

        async def attempt() -> AccountState:
            stored = await self._backend.read(state_key(account))
            current = decode(stored.data) if stored is not None else AccountState()
            new = change(current)
            etag = stored.etag if stored is not None else None
            await self._write(state_key(account), encode(new), etag)
            return new

        return await self._retrying(attempt, f"the trade state of {account}")

    # -- latest --------------------------------------------------------------------------------
    async def latest(self, account: str) -> dict[str, Any] | None:
        stored = await self._backend.read(latest_key(account))
        return orjson.loads(stored.data) if stored is not None else None

    async def accounts(self) -> list[str]:
        prefix = f"{history.PREFIX}latest/"
        return [o.key.removeprefix(prefix).removesuffix(".json") for o in await self._backend.list(prefix)]

    async def save_latest(self, snapshot: Snapshot) -> bool:
        """Store the snapshot as the latest unless a newer one is there; ``True`` when stored.
        A failed snapshot keeps the assets of the last good one (marked by ``status``)."""

        async def attempt() -> bool:
            stored = await self._backend.read(latest_key(snapshot.account))
            document = snapshot.to_dict()
            if stored is not None:
                previous = orjson.loads(stored.data)
                if previous.get("taken_at", 0) >= snapshot.taken_at:
                    return False
                if snapshot.status != "ok":
                    keep = ("assets", "totals", "positions")
                    document.update({k: previous.get(k) for k in keep}, last_ok_at=previous.get("last_ok_at"))
            if snapshot.status == "ok":
                document["last_ok_at"] = snapshot.taken_at
            document.setdefault("last_ok_at", None)
            await self._write(
                latest_key(snapshot.account),
                orjson.dumps(document),
                stored.etag if stored is not None else None,
            )
            return True

        return await self._retrying(attempt, f"the latest snapshot of {snapshot.account}")

    # -- history -------------------------------------------------------------------------------
    async def append_history(self, snapshot: Snapshot) -> bool:
        key = history.day_key(snapshot.account, snapshot.taken_at)

        async def attempt() -> bool:
            stored = await self._backend.read(key)
            data = await asyncio.to_thread(history.append, stored.data if stored else None, snapshot)
            if data is None:
                return False
            await self._write(key, data, stored.etag if stored is not None else None)
            return True

        return await self._retrying(attempt, f"the history of {snapshot.account}")

    async def history(self, account: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """History rows of ``account`` with ``start <= taken_at < end``, oldest first."""
        first, last = history.day_key(account, start_ms), history.day_key(account, max(start_ms, end_ms - 1))
        keys = [o.key for o in await self._backend.list(history.account_prefix(account))]
        rows: list[dict[str, Any]] = []
        for key in sorted(k for k in keys if first <= k <= last):
            stored = await self._backend.read(key)
            if stored is not None:
                table = await asyncio.to_thread(history.decode, stored.data)
                rows += history.to_rows(table, start_ms, end_ms)
        return rows

    # -- conditional writes ----------------------------------------------------------------------
    async def _write(self, key: str, data: bytes, etag: str | None) -> None:
        if etag is None:
            await self._backend.write(key, data, if_none_match=True)
        else:
            await self._backend.write(key, data, if_match=etag)

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], what: str) -> T:
        # another run wrote first: re-read and apply again, after a jittered backoff
        try:
            return await with_retries(attempt, CONFLICT_RETRY, on(ConflictError), sleep=self._sleep)
        except ConflictError:
            pass
        log.warning("portfolio: %d conflicting writes in a row on %s", MAX_ATTEMPTS, what)
        raise StorageError(f"{what} could not be stored: {MAX_ATTEMPTS} concurrent changes in a row")
