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

import pyarrow as pa

M_ARENA_MAX = -8  # glibc malloc.h
ARENAS = 2


def tune_allocators() -> None:
    pa.set_memory_pool(pa.system_memory_pool())
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        if hasattr(libc, "mallopt") and hasattr(libc, "gnu_get_libc_version"):
            libc.mallopt(M_ARENA_MAX, ARENAS)
    except OSError:
        return
