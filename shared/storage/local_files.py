"""Blocking file primitives for the local backend: ETags, atomic replace, per-key locks.

Everything here blocks; ``LocalFileBackend`` calls it through ``asyncio.to_thread``. A conditional
write runs check-then-replace inside ONE blocking call that holds the key's lock for its whole
duration, so the lock is never held across an ``await`` (and thread-pool starvation cannot deadlock).
Locks are ``filelock`` locks (``flock`` on Linux and macOS, ``msvcrt.locking`` on Windows).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock

LOCK_DIR = ".locks"
TEMP_SUFFIX = ".tmp"


def etag_of(st: os.stat_result) -> str:
    """A cheap ETag, unique per version: inode, modification time (ns) and size.

    ``os.replace`` gives every version a new inode, and ``atomic_write`` stamps each version with
    ``time.time_ns()`` (strictly after the version it replaces), so a recycled inode number cannot
    bring back an ETag of an older version (the ABA case of compare-and-swap).
    """
    return f'"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"'


def stat_or_none(path: Path) -> os.stat_result | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st if _is_regular(st) else None


def _is_regular(st: os.stat_result) -> bool:
    return (st.st_mode & 0o170000) == 0o100000


def read_range(path: Path, offset: int, length: int | None) -> tuple[bytes, str, int] | None:
    """Bytes, ETag and full size of ONE version (all taken from the same open file), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    st = os.fstat(fd)
    if not _is_regular(st):  # a "directory" key: no object there
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as f:
        f.seek(offset)
        data = f.read() if length is None else f.read(length)
    return data, etag_of(st), st.st_size


def atomic_write(path: Path, data: bytes, not_before_ns: int = 0) -> str:
    """Write ``data`` to a hidden temporary file beside ``path``, fsync, then ``os.replace``.

    A reader sees the old bytes or the new ones, never a partial file. Returns the new ETag.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            stamp = max(time.time_ns(), not_before_ns + 1)
            os.utime(f.fileno(), ns=(stamp, stamp))
            os.fsync(f.fileno())
            st = os.fstat(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return etag_of(st)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; some filesystems refuse fsync on a directory, which is harmless.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.EROFS):
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def key_lock(root: Path, key: str) -> Iterator[None]:
    """An exclusive lock on the key's lock file under ``root/.locks`` (outside the data tree).

    Each call makes its own ``FileLock`` (not thread-local, not a per-path singleton), which opens its
    own descriptor: the lock excludes other processes and also other threads of this process.
    ``filelock`` (not hand-written ``fcntl``) so the local backend works on Windows as on Linux and
    macOS; it also handles a lock file removed by a releasing peer while another waits on it.
    """
    lock_dir = root / LOCK_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(key.encode("utf-8")).hexdigest()
    with FileLock(lock_dir / f"{name}.lock", thread_local=False, is_singleton=False, poll_interval=0.005):
        yield


def list_files(root: Path, start: Path, prefix: str) -> list[tuple[str, int, str]]:
    """``(key, size, etag)`` of every regular file under ``start`` whose key starts with ``prefix``.

    Hidden entries (temporary files, the lock directory) and symlinks are skipped.
    """
    found: list[tuple[str, int, str]] = []
    if root.exists() and not root.is_dir():  # a broken root is an error, not an empty store
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(root))
    if not start.is_dir() or start.is_symlink():
        return found
    for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        base = "" if rel_dir == "." else f"{rel_dir}/"
        # Descend only into visible directories that can hold a key with the prefix.
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and _may_match(f"{base}{d}/", prefix)]
        for filename in filenames:
            if filename.startswith("."):
                continue
            key = f"{base}{filename}"
            if not key.startswith(prefix):
                continue
            st = stat_or_none(Path(dirpath) / filename)
            if st is not None:
                found.append((key, st.st_size, etag_of(st)))
    found.sort()
    return found


def _may_match(directory: str, prefix: str) -> bool:
    return directory.startswith(prefix) or prefix.startswith(directory)
