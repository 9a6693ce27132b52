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
import gc
import importlib.abc
import sys
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


class _PandasBlocker(importlib.abc.MetaPathFinder):
    """An import hook (``sys.meta_path``, the import system's documented extension point) under
    which ``import pandas`` fails as if pandas were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is kept out of this process (shared.memory)", name=name)
        return None


def keep_pandas_out() -> None:
    """Keep pandas out of a ``cbdata`` process: pyarrow imports pandas on its first array whenever it
    is installed (~40 MB of resident memory and ~0.15 s), only to recognise pandas objects, and the
    service never hands pyarrow one. For a process's own entry point only, never where something may
    use pandas (the Functions host has no pandas in its closure; tests and notebooks keep it). A
    ``None`` in ``sys.modules`` would not do: pyarrow's compiled import takes it for the module."""
    if "pandas" not in sys.modules and not any(isinstance(f, _PandasBlocker) for f in sys.meta_path):
        sys.meta_path.insert(0, _PandasBlocker())


def exempt_loaded_objects() -> None:
    """Take every object alive now out of the cycle collector's full passes (``gc.freeze``). Call it
    once a large library is loaded: ccxt leaves ~230,000 long-lived objects, and each full collection
    walked them all (~55 ms on this machine), stalling the event loop -- and with it ccxt's request
    throttle -- every time the many short-lived page rows triggered one. Frozen objects are still
    freed by reference counting; only cycles among them are left alone."""
    gc.freeze()
