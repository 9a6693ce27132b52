"""``shared.memory``: freed heap pages go back to the OS after a large answer (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import pytest

from shared.memory import release_free_memory

PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "gnu_get_libc_version") else None


@pytest.mark.skipif(_glibc() is None, reason="malloc_trim is glibc's; other C libraries have no such call")
def test_freed_heap_memory_is_returned_to_the_os():
    libc = _glibc()
    assert libc is not None
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    # 120 MB of small blocks (below the mmap threshold, so they live in the heap), touched so they are
    # resident; the last one stays allocated so plain free() cannot shrink the heap from its top.
    blocks = [libc.malloc(4096) for _ in range(30_000)]
    for block in blocks:
        ctypes.memset(block, 1, 4096)
    for block in blocks[:-1]:
        libc.free(block)
    before = _rss_bytes()
    release_free_memory()
    after = _rss_bytes()
    libc.free(blocks[-1])
    assert before - after > 60 * 1024 * 1024, (before, after)
