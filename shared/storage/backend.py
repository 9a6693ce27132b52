"""The byte-level storage protocol every backend implements.

Keys are relative, ``/``-separated paths (``ohlcv/exchange=binance/.../part.parquet``). Writes are
atomic (a reader sees the old or the new bytes, never a mix) and may be conditional:

- ``if_none_match=True``: create only; ``ConflictError`` when the object already exists;
- ``if_match=etag``: replace only while the object still has that ETag; ``ConflictError`` otherwise
  (also when it was deleted meanwhile).

Every other failure is a ``StorageError`` whose message says what failed and never holds a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    etag: str


@dataclass(frozen=True, slots=True)
class StoredObject:
    data: bytes
    etag: str
    size: int  # size of the whole object, also when only a range was read


@runtime_checkable
class StorageBackend(Protocol):
    name: str  # "local" or "azure": for logs and benchmarks

    async def read(self, key: str, *, offset: int = 0, length: int | None = None) -> StoredObject | None:
        """The object's bytes (or the range ``[offset, offset+length)``), or ``None`` when missing."""
        ...

    async def write(
        self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False
    ) -> str:
        """Store ``data`` atomically; returns the new ETag. Raises ``ConflictError`` on a lost condition."""
        ...

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object whose key starts with ``prefix``, sorted by key."""
        ...

    async def delete(self, key: str, *, if_match: str | None = None) -> bool:
        """Remove the object; ``False`` when it did not exist."""
        ...

    async def ping(self) -> None:
        """Cheap reachability check (for /api/health); raises ``StorageError`` when unreachable."""
        ...

    async def close(self) -> None: ...
