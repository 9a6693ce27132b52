"""Cold fetch, whole process: ``cbdata fetch binance BTC/USDT 1m ... -o out.parquet`` into empty local storage.

Run from the repo root: ``python bench/cold_fetch.py [--days 30 365 1825] [--modes rest archive]
[--exchange binance|cryptocom]`` (Crypto.com, the default exchange: REST only, it has no archive).
The exchange emulator runs in its own process on real time (REST klines at ccxt's own Binance
throttle, and the archive at ``BINANCE_ARCHIVE_URL``); each fetch is a fresh ``python -m shared
fetch`` process. Printed per run: wall time; REST klines requests against the minimum; archive files
(monthly, daily; CHECKSUM requests); peak RSS of the fetch process; the emulator's own busy time;
our CPU per 1000 candles; and the floor max(emulator busy, klines x ccxt's throttle interval) with
wall / floor. Archive files are built by the emulator before the timed run (a CDN serves static
files). The range ends at today's 00:00 UTC, so REST is asked only for the days whose archive
files are not published yet. The machine may be shared: figures are for comparison, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator.process import EmulatorProcess  # noqa: E402
from tests.emulator.server import exchange_options  # noqa: E402

DAY = 86_400_000
MIN = 60_000
# per exchange: the candle endpoint's path in ccxt's api tree, the emulator's count key, the page size
CANDLES = {
    "binance": (("public", "get", "klines"), "binance/klines", 1000),
    "cryptocom": (("v1", "public", "get", "public/get-candlestick"), "cryptocom/get-candlestick", 300),
}


def throttle_interval_s(exchange_id: str) -> float:
    """Seconds between candle requests under ccxt's own limiter (rateLimit x the call's cost)."""
    import ccxt

    exchange = getattr(ccxt, exchange_id)()
    cost = exchange.describe()["api"]
    for key in CANDLES[exchange_id][0]:
        cost = cost[key]
    cost = cost.get("cost", 1) if isinstance(cost, dict) else cost
    return exchange.rateLimit * cost / 1000


def run(emu: EmulatorProcess, exchange: str, days: int, archive: bool, workdir: Path) -> dict:
    import ccxt

    end = int(time.time() * 1000) // DAY * DAY
    start = end - days * DAY
    options = exchange_options(
        emu.base_url, exchange, timeout_ms=30_000, rate_limit_ms=getattr(ccxt, exchange)().rateLimit
    )
    data = workdir / f"data-{exchange}-{days}-{int(archive)}"
    out = workdir / f"out-{exchange}-{days}-{int(archive)}.parquet"
    env = {
        **os.environ, "STORAGE_TYPE": "local", "STORAGE_LOCAL_ROOT_PATH": str(data),
        "CCXT_EXCHANGES": exchange, "CCXT_DEFAULT_EXCHANGE": exchange,
        "CCXT_EXCHANGE_OPTIONS": json.dumps(options), "ARCHIVE_ENABLED": "true" if archive else "false",
        "BINANCE_ARCHIVE_URL": emu.base_url + "/archive", "MAX_REQUEST_CANDLES": "5000000",
        "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    if archive:  # the real archive is a CDN of static files: build the emulator's before timing
        emu.call("prebuild_archive", "BTC/USDT", "1m", start, end)
    before = emu.stats()
    cmd = [sys.executable, "-m", "shared", "fetch", exchange, "BTC/USDT", "1m",
           "--start", str(start), "--end", str(end), "-o", str(out)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"fetch failed ({status}):\n{err[-2000:]}")
    after = emu.stats()

    def delta(key: str) -> int:
        return after["counts"].get(key, 0) - before["counts"].get(key, 0)

    import pyarrow.parquet as pq

    candles = pq.read_metadata(out).num_rows
    stored = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
    return {
        "days": days, "mode": "archive" if archive else "rest", "wall_s": wall, "candles": candles,
        "klines": delta(CANDLES[exchange][1]), "minimum": math.ceil(days * 1440 / CANDLES[exchange][2]),
        "monthly": delta("archive/monthly"), "daily": delta("archive/daily"), "checksums": delta("archive/checksum"),
        "peak_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
        "emulator_busy_s": after["busy_s"] - before["busy_s"], "bytes_per_candle": stored / max(candles, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365, 1825])
    parser.add_argument("--modes", nargs="+", choices=["rest", "archive"], default=["rest", "archive"])
    parser.add_argument("--exchange", choices=sorted(CANDLES), default="binance")
    args = parser.parse_args()
    if args.exchange != "binance":
        args.modes = ["rest"]  # only Binance publishes an archive
    interval = throttle_interval_s(args.exchange)
    print(f"ccxt's {args.exchange} throttle: one candle request per {interval * 1000:.0f} ms; "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared with other work)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, EmulatorProcess(now_ms=None) as emu:
        emu.add_series(args.exchange, "BTC/USDT", seed=1, base_price=30_000.0,
                       listing_ms=int(time.time() * 1000) - (max(args.days) + 60) * DAY)  # fmt: skip
        for days in args.days:
            for mode in args.modes:
                r = run(emu, args.exchange, days, mode == "archive", Path(tmp))
                floor = max(r["emulator_busy_s"], r["klines"] * interval)
                # REST's floor is the exchange's pace; an archive run asks the exchange nothing
                ratio = f"wall/floor {r['wall_s'] / floor:4.2f}" if r["klines"] else "wall/floor    -"
                print(
                    f"{days:5d} d {r['mode']:7s} wall {r['wall_s']:6.2f} s | candle requests {r['klines']:5d} "
                    f"(minimum {r['minimum']}) | archive {r['monthly']} monthly + {r['daily']} daily "
                    f"({r['checksums']} CHECKSUM) | peak RSS {r['peak_mb']:4.0f} MB | emulator busy "
                    f"{r['emulator_busy_s']:5.2f} s | our CPU {r['cpu_s'] / r['candles'] * 1e6:5.2f} ms/1000 candles "
                    f"| floor {floor:5.2f} s, {ratio} "
                    f"| {r['bytes_per_candle']:.1f} B/candle stored",
                    flush=True,
                )


if __name__ == "__main__":
    main()
