"""End-to-end serving benchmark: a stored year of 1-minute candles through ``cbdata serve``, as users
get it, on local files and on Azurite (issue 14's table).

For each backend: fill the store (a child process), start ``cbdata serve`` (a subprocess, as a user
would), then time from this process, with the client package:

- Web PubSub with the official client (``CandleClient.historical``): until the last chunk is in
  (the answer complete) and the rows returned, with Arrow chunks (the client's default when pyarrow
  is installed) and with JSON chunks (``chunk_encoding="json"``); beside it the floor: the server's own
  read + encode time for the same year in process (bench/serve.py, a sender that only counts);
- HTTP JSON, every page of ``HTTP_MAX_CANDLES`` (default 100,000), bytes fetched and parsed;
- HTTP Parquet, one response (``format=parquet``), fetched and read into an Arrow table;
- a DataFrame in hand via ``CandleClient.historical_df`` (auto: Parquet over HTTP for a stored range)
  and via Web PubSub (``transport="webpubsub"``);
- the server's peak RSS (VmHWM of the ``cbdata serve`` process).

    python bench/serve_e2e.py            # both backends (starts Azurite itself)
    python bench/serve_e2e.py local
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY = "bench-function-key"
MINUTE_MS = 60_000
PAGE = 100_000  # HTTP_MAX_CANDLES' default
TARGETS = {"wps": 0.8, "json": 1.2, "parquet": 0.3, "df": 0.5}


def storage_env(backend: str, tmp: Path, connection_string: str | None) -> dict[str, str]:
    if backend == "local":
        return {"STORAGE_TYPE": "local", "STORAGE_LOCAL_ROOT_PATH": str(tmp / "data")}
    assert connection_string is not None
    return {
        "STORAGE_TYPE": "azure",
        "STORAGE_AZURE_CONNECTION_STRING": connection_string,
        "STORAGE_AZURE_CONTAINER_NAME": "bench",
    }


async def fill() -> None:
    """Child process: write a year of 1m candles into the store the environment names."""
    from bench.synthetic import YEAR_START_MS, candles_1m
    from shared.series import SeriesKey
    from shared.settings import load_settings
    from shared.storage.factory import create_backend
    from shared.store import CandleStore

    settings = load_settings(local_settings_file=None)
    backend = create_backend(settings.storage)
    try:
        year = candles_1m()
        span = (YEAR_START_MS, YEAR_START_MS + year.num_rows * MINUTE_MS)
        await CandleStore(backend).write(SeriesKey("binance", "BTC/USDT", "1m"), year, span)
    finally:
        await backend.close()


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"cbdata serve exited:\n{log.read_text()}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise SystemExit(f"cbdata serve did not become healthy:\n{log.read_text()}")


def get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"x-functions-key": KEY})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def measure(url: str, pid: int) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.synthetic import YEAR_START_MS
    from cbdata_client import CandleClient, to_dataframe

    start, end = YEAR_START_MS, YEAR_START_MS + 525_600 * MINUTE_MS
    client = CandleClient(url, KEY, timeout=300)
    base = f"{url}/api/ohlcv?exchange=binance&symbol=BTC/USDT&timeframe=1m"
    import pandas  # noqa: F401  (a notebook has it imported already: not counted)

    client.historical("binance", "BTC/USDT", "1m", start, start + 10 * MINUTE_MS)  # warm the imports
    get(f"{base}&start={start}&end={start + MINUTE_MS}&format=parquet")
    out: dict = {"rss_after": {"start": peak_rss_mb(pid)}}
    rows, out["wps"] = timed(client.historical, "binance", "BTC/USDT", "1m", start, end)
    out["rss_after"]["wps"] = peak_rss_mb(pid)
    json_client = CandleClient(url, KEY, timeout=300, chunk_encoding="json")
    json_rows, out["wps_json"] = timed(json_client.historical, "binance", "BTC/USDT", "1m", start, end)
    assert json_rows == rows  # the two encodings give the same candles, exactly
    del json_rows
    out["rss_after"]["wps_json"] = peak_rss_mb(pid)
    _, out["wps_assembly"] = timed(to_dataframe, rows)
    # what the official client's JSON decoding costs for these chunks (it uses the standard json)
    text = json.dumps(rows)
    _, out["wps_decode"] = timed(json.loads, text)
    pages = []
    t0 = time.perf_counter()
    for s in range(start, end, PAGE * MINUTE_MS):
        pages.append(json.loads(get(f"{base}&start={s}&end={min(end, s + PAGE * MINUTE_MS)}")))
    out["json"] = time.perf_counter() - t0
    out["rss_after"]["json"] = peak_rss_mb(pid)
    body, out["parquet"] = timed(
        lambda: pq.read_table(pa.BufferReader(get(f"{base}&start={start}&end={end}&format=parquet")))
    )
    out["rss_after"]["parquet"] = peak_rss_mb(pid)
    frame, out["df"] = timed(client.historical_df, "binance", "BTC/USDT", "1m", start, end)
    frame_wps, out["df_wps"] = timed(
        client.historical_df, "binance", "BTC/USDT", "1m", start, end, transport="webpubsub"
    )
    out["rows"] = len(rows)
    out["json_rows"] = sum(len(p["data"]) for p in pages)
    out["parquet_rows"] = body.num_rows
    out["df_rows"] = len(frame)
    assert (
        out["rows"] == out["json_rows"] == out["parquet_rows"] == out["df_rows"] == len(frame_wps) == 525_600
    )
    return out


def run(backend: str) -> dict:
    from tests.fixtures.azurite import free_port, run_azurite

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        connection = None
        if backend == "azure":
            connection = stack.enter_context(run_azurite(tmp / "azurite")).connection_string
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "CCXT_", "SYNC_", "LOCAL_"))
        }
        env.pop("WebPubSubConnectionString", None)
        env.update(storage_env(backend, tmp, connection))
        env.update(CCXT_EXCHANGES="binance", CCXT_DEFAULT_EXCHANGE="binance", LOCAL_FUNCTION_KEY=KEY,
                   LOCAL_MASTER_KEY="bench-master", SYNC_TARGETS="", LOG_LEVEL="WARNING")  # fmt: skip
        subprocess.run([sys.executable, __file__, "--fill"], env=env, cwd=tmp, check=True)
        port = free_port()
        log = tmp / "serve.log"
        with open(log, "w") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "shared", "serve", "--port", str(port)],
                env=env, cwd=tmp, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process, log)
            result = measure(url, process.pid)
            result["server_peak_rss_mb"] = peak_rss_mb(process.pid)
            if backend == "local":  # the server's own encoding, in process, with a sender that only counts
                from bench.serve import _child

                for encoding in ("arrow", "json"):
                    served = json.loads(_child("--serve", str(tmp / "data"), encoding))
                    result[f"wps_server_{encoding}"] = served["last_chunk_s"]
        finally:
            process.terminate()
            process.wait(30)
    return result


def table(results: dict[str, dict]) -> str:
    names = list(results)
    lines = [
        "Issue 14 table: a stored year of BTC/USDT 1m (525,600 candles) through `cbdata serve`, client in",
        f"another process on the same machine (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores when the table was printed; figures vary from run to run on a busy machine).",
        "",
        "| path | target, local | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    rows = [
        (
            "Web PubSub through `cbdata serve`, official client, Arrow chunks, rows in hand",
            "wps",
            TARGETS["wps"],
        ),
        (
            "  floor: server reads + encodes every Arrow chunk (in process, bench/serve.py)",
            "wps_server_arrow",
            None,
        ),
        ("Web PubSub as above, JSON chunks (`chunk_encoding='json'`)", "wps_json", None),
        ("  floor: server reads + encodes every JSON chunk (in process)", "wps_server_json", None),
        ("  the official client's JSON decoding of a year of rows (stdlib json)", "wps_decode", None),
        ("  then: client rows -> DataFrame (one numpy array)", "wps_assembly", None),
        ("HTTP JSON, all pages of 100,000 (fetched + parsed)", "json", TARGETS["json"]),
        ("HTTP Parquet, one response (fetched + read)", "parquet", TARGETS["parquet"]),
        ("DataFrame via `historical_df` (auto: Parquet)", "df", TARGETS["df"]),
        ("DataFrame via `historical_df(transport='webpubsub')` (Arrow chunks)", "df_wps", None),
    ]
    for label, key, target in rows:
        goal = f"≤ {target} s" if target else ""
        shown = [f"{results[n][key]:.2f} s" if key in results[n] else "n/a" for n in names]
        lines.append(f"| {label} | {goal} | " + " | ".join(shown) + " |")
    for n in names:
        steps = ", ".join(f"{k} {v:.0f}" for k, v in results[n]["rss_after"].items())
        lines.append(f"| server peak RSS after each step, {n} (MB) | | {steps} |" + " |" * (len(names) - 1))
    lines.append(
        "| server peak RSS | ≤ 300 MB | "
        + " | ".join(f"{results[n]['server_peak_rss_mb']:.0f} MB" for n in names)
        + " |"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv == ["--fill"]:
        asyncio.run(fill())
        return
    names = argv or ["local", "azure"]
    print(table({name: run(name) for name in names}))


if __name__ == "__main__":
    main(sys.argv[1:])
