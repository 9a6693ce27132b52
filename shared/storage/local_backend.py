"""``StorageBackend`` on a local directory: one file per key, atomic and conditional writes.

Keys map to files under ``root`` (``a/b/c`` -> ``root/a/b/c``). Writes go to a hidden temporary file
in the same directory, are fsync'ed and renamed over the target (``os.replace``), so readers never see
a partial object. Every mutation of a key (write, delete) holds an exclusive ``flock`` on that key's
lock file under ``root/.locks/``, which makes ``if_match`` / ``if_none_match`` atomic across threads and
processes on the same host. Blocking file work runs in ``asyncio.to_thread``.

Like any file system, a key cannot be both an object and a "directory": with ``a`` stored, writing
``a/b`` fails with ``StorageError`` (Blob Storage would accept both).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from shared.errors import ConflictError, StorageError
from shared.storage import local_files
from shared.storage.backend import ObjectInfo, StoredObject
from shared.storage.keys import validate_key, validate_prefix

log = logging.getLogger(__name__)


class LocalFileBackend:
    name = "local"

    def __init__(self, root: Path | str) -> None:
        self._root = Path(os.path.abspath(root))

    @property
    def root(self) -> Path:
        return self._root

    def _path(self, key: str) -> Path:
        # Only the pure key check here; the realpath check touches the disk, so it runs in the worker
        # thread with the file operation (``_ensure_inside``).
        return self._root.joinpath(*validate_key(key))

    def _ensure_inside(self, path: Path, what: str) -> None:
        # Keys are validated already; this also stops a symlink inside the tree leading elsewhere.
        real_root = os.path.realpath(self._root)
        real = os.path.realpath(path)
        if os.path.commonpath([real_root, real]) != real_root:
            raise StorageError(f"storage key {what!r} resolves outside the storage root")

    async def read(self, key: str, *, offset: int = 0, length: int | None = None) -> StoredObject | None:
        path = self._path(key)
        _check_range(offset, length)
        try:
            found = await asyncio.to_thread(self._read_inside, key, path, offset, length)
        except OSError as exc:
            raise self._error("read", key, exc) from exc
        if found is None:
            return None
        data, etag, size = found
        return StoredObject(data=data, etag=etag, size=size)

    def _read_inside(self, key: str, path: Path, offset: int, length: int | None) -> tuple | None:
        self._ensure_inside(path, key)
        return local_files.read_range(path, offset, length)

    async def write(
        self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False
    ) -> str:
        path = self._path(key)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise StorageError(f"cannot write {key!r}: data must be bytes, not {type(data).__name__}")
        try:
            return await asyncio.to_thread(
                self._write_locked, key, path, bytes(data), if_match, if_none_match
            )
        except (ConflictError, StorageError):
            raise
        except OSError as exc:
            raise self._error("write", key, exc) from exc

    def _write_locked(
        self, key: str, path: Path, data: bytes, if_match: str | None, if_none_match: bool
    ) -> str:
        with local_files.key_lock(self._root, key):
            self._ensure_inside(path, key)
            current = local_files.stat_or_none(path)
            if if_none_match and current is not None:
                raise ConflictError(f"cannot create {key!r}: the object already exists", key=key)
            if if_match is not None:
                if current is None:
                    raise ConflictError(f"cannot replace {key!r}: the object no longer exists", key=key)
                if local_files.etag_of(current) != if_match:
                    raise ConflictError(f"cannot replace {key!r}: it was changed by another writer", key=key)
            not_before = current.st_mtime_ns if current is not None else 0
            return local_files.atomic_write(path, data, not_before)

    async def list(self, prefix: str) -> list[ObjectInfo]:
        start = self._root.joinpath(*validate_prefix(prefix))
        try:
            found = await asyncio.to_thread(local_files.list_files, self._root, start, prefix)
        except OSError as exc:
            raise self._error("list", prefix, exc) from exc
        return [ObjectInfo(key=key, size=size, etag=etag) for key, size, etag in found]

    async def delete(self, key: str, *, if_match: str | None = None) -> bool:
        path = self._path(key)
        try:
            return await asyncio.to_thread(self._delete_locked, key, path, if_match)
        except (ConflictError, StorageError):
            raise
        except OSError as exc:
            raise self._error("delete", key, exc) from exc

    def _delete_locked(self, key: str, path: Path, if_match: str | None) -> bool:
        if not self._root.is_dir():
            return self._missing(key, if_match)
        with local_files.key_lock(self._root, key):
            self._ensure_inside(path, key)
            current = local_files.stat_or_none(path)
            if current is None:
                return self._missing(key, if_match)
            if if_match is not None and local_files.etag_of(current) != if_match:
                raise ConflictError(f"cannot delete {key!r}: it was changed by another writer", key=key)
            os.unlink(path)
            return True

    @staticmethod
    def _missing(key: str, if_match: str | None) -> bool:
        if if_match is not None:
            raise ConflictError(f"cannot delete {key!r}: the object no longer exists", key=key)
        return False

    async def ping(self) -> None:
        try:
            await asyncio.to_thread(self._ping_sync)
        except OSError as exc:
            log.warning("local storage root %r is not usable: %s", str(self._root), exc.strerror or exc)
            raise StorageError(f"storage unreachable: {exc.strerror or type(exc).__name__}") from None

    def _ping_sync(self) -> None:
        probe_dir = self._root / local_files.LOCK_DIR
        probe_dir.mkdir(parents=True, exist_ok=True)
        probe = probe_dir / f".ping-{os.getpid()}"
        probe.write_bytes(b"ping")
        try:
            if probe.read_bytes() != b"ping":
                raise OSError("read back different bytes than written")
        finally:
            probe.unlink(missing_ok=True)

    async def close(self) -> None:
        return None

    def _error(self, action: str, key: str, exc: OSError) -> StorageError:
        reason = exc.strerror or type(exc).__name__
        # the client sees no path; the operator's log names the root
        log.warning("local storage could not %s %r under %r: %s", action, key, str(self._root), reason)
        return StorageError(f"storage could not {action} {key!r}: {reason}", key=key)


def _check_range(offset: int, length: int | None) -> None:
    if offset < 0 or (length is not None and length < 0):
        raise StorageError(f"invalid byte range: offset={offset}, length={length} (both must be >= 0)")
