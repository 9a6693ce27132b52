"""``shared.memory``: freed heap pages go back to the OS after a large answer (glibc's malloc_trim);
Arrow allocates from the system allocator; a ``cbdata`` process keeps pandas out."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

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


def _fresh_python(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_importing_the_package_puts_arrows_cpp_allocations_on_the_system_allocator():
    # pa.set_memory_pool() would change only the pool of pyarrow's Python calls; the C++ default is
    # read from the environment once, when pyarrow loads
    code = "import shared, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    assert _fresh_python(code) == "system"


def test_a_cbdata_process_keeps_pandas_out_and_pyarrow_still_works():
    pytest.importorskip("pandas")  # installed in the dev environment: the case this guards against
    code = (
        "import sys; from shared.memory import keep_pandas_out; keep_pandas_out(); "
        "import pyarrow as pa, pyarrow.parquet as pq, io; t = pa.table({'a': [1, 2]}); "
        "b = io.BytesIO(); pq.write_table(t, b); b.seek(0); n = pq.ParquetFile(b).read().num_rows; "
        "print(n, 'pandas' in sys.modules)"
    )
    assert _fresh_python(code) == "2 False"
    # without it, pyarrow's first array imports pandas
    assert _fresh_python("import sys, pyarrow as pa; pa.array([1]); print('pandas' in sys.modules)") == "True"


def test_the_cbdata_entry_points_run_without_pandas():
    pytest.importorskip("pandas")  # installed in the dev environment: the case this guards against
    from shared.cli import run

    assert "shared.cli:run" in Path("pyproject.toml").read_text()
    assert "import run" in Path("shared/__main__.py").read_text() and callable(run)
    out = subprocess.run(
        [sys.executable, "-c", "import runpy, sys; sys.argv = ['cbdata', '--version']\n"
         "try:\n    runpy.run_module('shared', run_name='__main__')\nexcept SystemExit:\n    pass\n"
         "import pyarrow as pa; pa.array([1]); print('pandas' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip().endswith("False")


def test_loading_ccxt_takes_its_objects_out_of_full_collections():
    # each full collection walked ccxt's ~230,000 objects (~55 ms), stalling the event loop and with
    # it ccxt's request throttle; after the connector loads ccxt they are frozen (gc.freeze)
    code = (
        "import asyncio, gc\n"
        "from shared.backoff import RetryPolicy\nfrom shared.exchange.ccxt.connector import CcxtConnector\n"
        "c = CcxtConnector('binance', {}, RetryPolicy(1, 0.0, 0.0))\n"
        "before = gc.get_freeze_count()\n"
        "asyncio.run(c.instance())\n"
        "print(before, gc.get_freeze_count())"
    )
    before, after = map(int, _fresh_python(code).split())
    assert before == 0 and after > 100_000
