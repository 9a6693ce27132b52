"""Fetcher benchmark: one year (2025) of 1-minute binance BTC/USDT candles through ``CandleService``.

    python bench/fetch.py                  # everything (starts Azurite itself)
    python bench/fetch.py cold warm        # pick parts: cold, warm, sync
    python bench/fetch.py --no-azure       # local files only

1. cold fetch from the exchange emulator (real ccxt over loopback) into local files: time, klines
   requests against the minimum ceil(525,600 / 1000) = 526, requests per second;
2. warm serve of the same year from local files and from Azurite (filled with a byte copy of the local
   partitions): time to first and to last batch, peak memory;
3. incremental sync of 100 up-to-date targets (each synced once, clock moved 30 minutes, all synced
   again with 8 at a time): time, exchange requests (all endpoints), partition writes, per-target max.

Every measurement runs in a fresh child process, so its peak RSS is that job's alone ("after imports"
is the RSS before any work; the warm serve also prints a second pass in the same, warmed-up process).
The emulator runs inside the child of a cold fetch or a sync, so those
times include generating the candles on the "exchange" side.
Targets (issue 4): requests = minimum; warm year to last batch <= 0.5 s local, <= 2 s Azurite;
peak memory <= 300 MB; an up-to-date target costs <= 1 exchange request and <= 1 write.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fetch_support import AZURITE_ENV, CONTAINER, JOBS  # noqa: E402

PEAK_TARGET_MB = 300
WARM_TARGET_S = {"local": 0.5, "azure": 2.0}


def child(job: str, *args: str, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", job, *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT,
    )  # fmt: skip
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"child job {job} {args} failed with exit code {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_cold(r: dict) -> None:
    print(f"\n1. cold fetch, emulator -> {r['backend']} files ({r['rows']:,} candles)")
    print(f"   time                {r['seconds']:8.2f} s   ({r['candles_per_s']:,.0f} candles/s)")
    print(f"   klines requests     {r['klines']:8d}     minimum {r['minimum']}, planned {r['planned']}"
          f"   [target = minimum: {verdict(r['klines'] == r['minimum'])}]")  # fmt: skip
    print(f"   all requests        {r['all_requests']:8d}     (klines + markets/time)")
    print(f"   requests per second {r['requests_per_s']:8.1f}")
    print(f"   peak memory         {r['peak_mb']:8.0f} MiB (after imports {r['baseline_mb']:.0f} MiB)"
          f"   [target <= {PEAK_TARGET_MB} MiB: {verdict(r['peak_mb'] <= PEAK_TARGET_MB)}]")  # fmt: skip


def print_warm(rows: list[dict]) -> None:
    print("\n2. warm serve of the year (no exchange request planned, no plugin created)")
    print(f"   {'backend':8} {'1st batch s':>11} {'last batch s':>12} {'target':>7} {'peak MiB':>8} "
          f"{'after imports MiB':>17} {'batches':>8} {'candles':>9}  verdict")  # fmt: skip
    for r in rows:
        target = WARM_TARGET_S[r["backend"]]
        ok = r["last_batch_s"] <= target and r["peak_mb"] <= PEAK_TARGET_MB and r["planned"] == 0
        print(f"   {r['backend']:8} {r['first_batch_s']:11.3f} {r['last_batch_s']:12.3f} {target:6.1f}s "
              f"{r['peak_mb']:8.0f} {r['baseline_mb']:17.0f} {r['batches']:8d} {r['rows']:9,}  "
              f"{verdict(ok)}")  # fmt: skip
        print(
            f"   {'  again':8} {r['again_first_s']:11.3f} {r['again_last_s']:12.3f}   (second pass, same process)"
        )


def print_sync(r: dict) -> None:
    n = r["targets"]
    print(f"\n3. incremental sync of {n} up-to-date targets on {r['backend']} (30 min behind, 8 at a time)")
    print(f"   time                {r['seconds']:8.2f} s   ({r['seconds'] / n * 1000:.1f} ms per target; "
          f"set-up sync of 1 day each took {r['setup_s']:.1f} s)")  # fmt: skip
    print(f"   exchange requests   {r['all_requests']:8d}     {r['by_endpoint']}")
    print(f"   storage writes      {r['writes']:8d}     ({r['candles']:,} candles added)")
    print(f"   per target max      {r['max_requests']:8d} request(s), {r['max_writes']} write(s)"
          f"   [target <= 1 and <= 1: {verdict(max(r['max_requests'], r['max_writes']) <= 1)}]")  # fmt: skip
    print(f"   peak memory         {r['peak_mb']:8.0f} MiB (after imports {r['baseline_mb']:.0f} MiB)"
          f"   [target <= {PEAK_TARGET_MB} MiB: {verdict(r['peak_mb'] <= PEAK_TARGET_MB)}]")  # fmt: skip


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(JOBS[sys.argv[2]](*sys.argv[3:]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="{cold,warm,sync}", help="parts to run (default: all)")
    parser.add_argument("--no-azure", action="store_true", help="local files only")
    args = parser.parse_args()
    parts = args.parts or ["cold", "warm", "sync"]
    if unknown := set(parts) - {"cold", "warm", "sync"}:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-fetch-")))
        year_dir = str(tmp / "year")
        env: dict[str, str] = {}
        if not args.no_azure and ("warm" in parts or "sync" in parts):
            from tests.fixtures.azurite import run_azurite

            server = stack.enter_context(run_azurite(tmp / "azurite"))
            env[AZURITE_ENV] = server.connection_string
        if "cold" in parts or "warm" in parts:
            print_cold(child("cold", "local", year_dir))
        if "warm" in parts:
            warm = [child("warm", "local", year_dir)]
            if env:
                copied = child("copy", year_dir, CONTAINER, env=env)
                print(f"\n   (Azurite filled: {copied['objects']} partitions, {copied['bytes'] / 1e6:.1f} MB "
                      f"copied in {copied['seconds']:.2f} s)")  # fmt: skip
                warm.append(child("warm", "azure", CONTAINER, env=env))
            print_warm(warm)
        if "sync" in parts:
            print_sync(child("sync", "local", str(tmp / "sync")))
            if env:
                print_sync(child("sync", "azure", "bench-sync", env=env))


if __name__ == "__main__":
    main()
