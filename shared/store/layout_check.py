"""The store's layout version: written into an empty store, checked before the first use of any other.

A store of layout 1 has no marker but has ``part.parquet`` objects; the service refuses it with a
message naming ``cbdata store migrate`` instead of serving half of it or writing a mix of layouts.
"""

from __future__ import annotations

import json

from shared.errors import ConfigurationError, ConflictError
from shared.storage.backend import StorageBackend
from shared.store import layout


class StoreLayoutError(ConfigurationError):
    """The store holds candles in a layout this version does not serve (an operator's matter: a client
    sees INTERNAL_ERROR, the log and ``cbdata`` show this code and the command that fixes it)."""

    code = "STORE_LAYOUT_OUTDATED"


MIGRATE_HINT = "run `cbdata store migrate` with the same storage settings, then start the service again"


def marker_bytes() -> bytes:
    return json.dumps({"layout": layout.VERSION, "by": "cb-trade-data-service"}).encode()


async def stored_version(backend: StorageBackend) -> tuple[int | None, bool]:
    """The store's layout version and whether a marker says so.

    Without a marker: 1 for a store holding layout-1 candles, the current version for current-layout
    objects whose marker was removed, ``None`` for a store without candles."""
    marker = await backend.read(layout.MARKER_KEY)
    if marker is not None:
        try:
            return int(json.loads(marker.data)["layout"]), True
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreLayoutError(f"the layout marker {layout.MARKER_KEY} is unreadable ({exc})") from exc
    listed = await backend.list(layout.ROOT)
    if any(layout.is_legacy_key(info.key) for info in listed):
        return 1, False
    if any(layout.parse_series(info.key) is not None for info in listed):
        return layout.VERSION, False
    return None, False


async def write_marker(backend: StorageBackend) -> None:
    try:
        await backend.write(layout.MARKER_KEY, marker_bytes(), if_none_match=True)
    except ConflictError:
        pass  # another instance wrote it first: the same bytes


def refuse(version: int) -> StoreLayoutError:
    if version < layout.VERSION:
        return StoreLayoutError(
            f"the store holds candles in layout {version}; this version serves layout "
            f"{layout.VERSION}: {MIGRATE_HINT}"
        )
    return StoreLayoutError(
        f"the store holds candles in layout {version}, newer than this version's {layout.VERSION}: "
        "upgrade the service"
    )


class LayoutGuard:
    """Checks the store's layout once per process; marks an unmarked store on its first write only,
    so read-only work (``cbdata catalog``, a request for stored candles) writes nothing."""

    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend
        self._checked = self._marked = False

    async def check(self, *, for_write: bool) -> None:
        if not self._checked:
            version, self._marked = await stored_version(self._backend)
            if version is not None and version != layout.VERSION:
                raise refuse(version)
            self._checked = True
        if for_write and not self._marked:
            await write_marker(self._backend)
            self._marked = True
