"""Process-wide allocator settings that keep peak memory of long fetches down (set once, at start-up).

Arrow's default allocator (mimalloc) keeps ~120 MB per worker thread for reuse after partitions are
encoded; the system allocator returns it (measured in bench/fetch.py). glibc's malloc then gives each
thread that allocates (the ``asyncio.to_thread`` workers decoding and encoding partitions, parsing
archive files) an arena of its own, and freed blocks stay in it: two arenas cut the peak RSS of a
cold year with archives by ~70 MB (bench/cold_fetch.py) at no measurable cost. ``M_ARENA_MAX`` is
glibc's documented ``mallopt`` parameter; elsewhere (musl, macOS) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import pyarrow as pa

M_ARENA_MAX = -8  # glibc malloc.h
ARENAS = 2


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") else None  # glibc only


def release_free_memory() -> None:
    """Give the heap memory freed by the last answer back to the OS (glibc's documented
    ``malloc_trim``): a large answer's Arrow tables and encoded fragments are freed when it is sent,
    but glibc keeps the pages, so every large answer would raise the process's resident baseline.
    Cheap (about a millisecond); a no-op where the C library is not glibc."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def tune_allocators() -> None:
    pa.set_memory_pool(pa.system_memory_pool())
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(M_ARENA_MAX, ARENAS)
