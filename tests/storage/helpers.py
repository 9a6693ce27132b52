"""Small helpers shared by the storage tests."""

from __future__ import annotations

from shared.errors import ConflictError
from shared.storage.backend import StorageBackend


async def cas_increment(backend: StorageBackend, key: str) -> int:
    """Add one to the integer stored at ``key`` with compare-and-swap, retrying on conflicts."""
    while True:
        current = await backend.read(key)
        try:
            if current is None:
                await backend.write(key, b"1", if_none_match=True)
                return 1
            value = int(current.data) + 1
            await backend.write(key, str(value).encode(), if_match=current.etag)
            return value
        except ConflictError:
            continue
