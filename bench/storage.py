"""Storage benchmark: one year of realistic 1-minute candles on local files and on Azurite.

Prints bytes per candle stored, time to write the year, time to read it back through the batch stream,
and peak memory (max RSS of a fresh process that does only that backend's work).

    python bench/storage.py            # both backends (starts Azurite itself)
    python bench/storage.py local      # one backend
Targets (issue 2): <= 22 bytes/candle; full-year read <= 0.3 s local, <= 1.5 s Azurite; peak <= 300 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def measure(backend_name: str) -> dict:
    import azure.storage.blob.aio  # noqa: F401  (imports counted in the baseline, not in the work)

    from bench.synthetic import YEAR_START_MS, candles_1m
    from shared.series import SeriesKey
    from shared.storage.backend import StorageBackend
    from shared.store import CandleStore, layout

    baseline_mb = _rss_mb()
    year = candles_1m()
    span = (YEAR_START_MS, YEAR_START_MS + year.num_rows * 60_000)
    series = SeriesKey("binance", "BTC/USDT", "1m")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        backend: StorageBackend
        if backend_name == "local":
            from shared.storage.local_backend import LocalFileBackend

            backend = LocalFileBackend(tmp / "data")
        else:
            from azure.storage.blob.aio import ContainerClient

            from shared.storage.blob_backend import BlobBackend
            from tests.fixtures.azurite import run_azurite

            server = stack.enter_context(run_azurite(tmp / "azurite"))
            backend = BlobBackend(ContainerClient.from_connection_string(server.connection_string, "bench"))
        try:
            store = CandleStore(backend)
            t0 = time.perf_counter()
            await store.write(series, year, span)
            write_s = time.perf_counter() - t0
            stored = sum(i.size for i in await backend.list(layout.series_prefix(series)))
            del year
            rows, first_batch_s = 0, None
            t0 = time.perf_counter()
            async for batch in CandleStore(backend).read(series, *span):
                rows += batch.num_rows
                first_batch_s = first_batch_s or time.perf_counter() - t0
            read_s = time.perf_counter() - t0
        finally:
            await backend.close()
    return {
        "backend": backend_name,
        "bytes_per_candle": stored / rows,
        "stored_mb": stored / 1e6,
        "write_s": write_s,
        "read_first_batch_s": first_batch_s,
        "read_s": read_s,
        "rows": rows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline_mb,
    }


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(measure(sys.argv[2]))))
        return
    names = sys.argv[1:] or ["local", "azure"]
    print(
        f"{'backend':8} {'B/candle':>9} {'stored MB':>10} {'write s':>8} {'1st batch s':>12} {'read s':>7} {'peak MB':>8} {'after imports MB':>17}"
    )
    for name in names:
        out = subprocess.run(
            [sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['backend']:8} {r['bytes_per_candle']:9.2f} {r['stored_mb']:10.2f} {r['write_s']:8.2f} "
            f"{r['read_first_batch_s']:12.3f} {r['read_s']:7.3f} {r['peak_rss_mb']:8.0f} {r['baseline_rss_mb']:17.0f}   ({r['rows']:,} candles)"
        )


if __name__ == "__main__":
    main()
