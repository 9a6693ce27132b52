"""``cbdata serve`` end to end: negotiate over HTTP, the official Web PubSub client, gap filling from
the emulator, the same range over plain HTTP, keys, the timer, and a clean shutdown."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from cbdata_client import CandleClient, HistoricalAssembly, ServiceError
from tests.e2e.conftest import FUNCTION_KEY, MASTER_KEY

MIN = 60_000
HOUR = 60 * MIN


def http_get(url: str, key: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"x-functions-key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def past_range(emu, minutes: int, ends_minutes_ago: int = 90) -> tuple[int, int]:
    now = emu.clock.now_ms
    end = now - now % MIN - ends_minutes_ago * MIN
    return end - minutes * MIN, end


async def test_web_pubsub_and_http_serve_exactly_the_exchanges_candles(server, live_emulator, monkeypatch):
    seen: list[str | None] = []  # the encoding of every chunk the client received
    feed = HistoricalAssembly.feed

    def watching(self, message):
        if message.get("type") == "historical_data_chunk":
            seen.append(message.get("encoding"))
        return feed(self, message)

    monkeypatch.setattr(HistoricalAssembly, "feed", watching)
    start, end = past_range(live_emulator, 2_500)
    truth = live_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    client = CandleClient(server.url, FUNCTION_KEY, timeout=60)
    rows = await asyncio.to_thread(client.historical, "binance", "BTC/USDT", "1m", start, end)
    assert rows == truth
    assert seen and set(seen) == {"arrow"}  # pyarrow is installed here: Arrow chunks by default
    assert live_emulator.request_count("binance", "ohlcv") >= 3  # it had to fill the gap
    for encoding in ("json", "arrow"):
        seen.clear()
        forced = CandleClient(server.url, FUNCTION_KEY, timeout=60, chunk_encoding=encoding)
        assert await asyncio.to_thread(forced.historical, "binance", "BTC/USDT", "1m", start, end) == truth
        assert set(seen) == {None if encoding == "json" else encoding}
    status, body = await asyncio.to_thread(
        http_get,
        f"{server.url}/api/ohlcv?exchange=binance&symbol=BTC/USDT&timeframe=1m&start={start}&end={end}",
        FUNCTION_KEY,
    )
    assert status == 200 and json.loads(body)["data"] == truth
    for transport in ("auto", "http", "webpubsub"):  # stored now: auto takes Parquet over HTTP
        frame = await asyncio.to_thread(
            client.historical_df, "binance", "BTC/USDT", "1m", start, end, transport=transport
        )
        assert len(frame) == len(truth) and str(frame.index.tz) == "UTC"
        stamps = frame.index.as_unit("ms").asi8.tolist()
        assert [[t, *values] for t, values in zip(stamps, frame.values.tolist(), strict=True)] == truth
        assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
        assert frame.index.name == "timestamp"


WITHOUT_PYARROW = """
import json, sys
sys.modules["pyarrow"] = None  # as if the client were installed without its pandas extra
from cbdata_client import CandleClient, HistoricalAssembly
from cbdata_client.arrow_chunks import arrow_support
seen = set()
feed = HistoricalAssembly.feed
def watching(self, message):
    if message.get("type") == "historical_data_chunk":
        seen.add((message.get("encoding"), type(message.get("data")).__name__))
    return feed(self, message)
HistoricalAssembly.feed = watching
url, key, start, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = CandleClient(url, key, timeout=60).historical("binance", "BTC/USDT", "1m", start, end)
print(json.dumps({"arrow": arrow_support(), "seen": sorted(seen), "rows": rows}))
"""


async def test_a_client_without_pyarrow_gets_json_chunks(server, live_emulator):
    start, end = past_range(live_emulator, 600)
    truth = live_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    argv = [sys.executable, "-c", WITHOUT_PYARROW, server.url, FUNCTION_KEY, str(start), str(end)]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["arrow"] is False and out["seen"] == [[None, "list"]]
    assert out["rows"] == truth


async def test_keys_errors_timer_and_shutdown(server, live_emulator):
    status, body = await asyncio.to_thread(http_get, f"{server.url}/api/catalog")
    assert status == 401
    assert (await asyncio.to_thread(http_get, f"{server.url}/api/targets", FUNCTION_KEY))[
        0
    ] == 401  # admin route
    client = CandleClient(server.url, FUNCTION_KEY, timeout=60)
    start, end = past_range(live_emulator, 60)
    with pytest.raises(ServiceError) as err:
        await asyncio.to_thread(client.historical, "binance", "NOPE/USDT", "1m", start, end)
    assert err.value.code == "COIN_NOT_AVAILABLE", server.log()
    deadline = time.monotonic() + 40
    state = None
    while time.monotonic() < deadline:
        status, body = await asyncio.to_thread(http_get, f"{server.url}/api/targets", MASTER_KEY)
        state = json.loads(body)["targets"][0]
        if state.get("last_status") == "ok":
            break
        await asyncio.sleep(0.5)
    assert state is not None and state["last_status"] == "ok", server.log()
    # The timer runs every 2 s, so by now it may have run again and added nothing (the state keeps the
    # last run only): what its runs stored is the proof, not the last run's ``candles_added``.
    assert state["candles_added"] >= 0
    status, body = await asyncio.to_thread(http_get, f"{server.url}/api/catalog", FUNCTION_KEY)
    [eth] = [s for s in json.loads(body)["series"] if s["symbol"] == "ETH/USDT"]
    assert (eth["exchange"], eth["timeframe"]) == ("binance", "1h"), eth
    assert eth["count"] >= 24 and eth["count"] == (eth["last"] - eth["first"]) // HOUR + 1, eth
    assert eth["last"] >= live_emulator.clock.now_ms - 3 * HOUR, eth  # filled up to the last closed hour
    assert server.stop(signal.SIGINT) == 0
    log = server.log()
    for leak in ("Unclosed", "Task was destroyed", "Traceback"):
        assert leak not in log, log
