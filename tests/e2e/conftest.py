"""End-to-end: ``cbdata serve`` as a real subprocess, the exchange emulator on real time, and the
official clients. The server's storage is local files, or Azurite when parametrized so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.emulator.clock import LiveClock
from tests.emulator.fixtures import LISTING_MS
from tests.emulator.server import ExchangeEmulator
from tests.fixtures.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_KEY = "e2e-function-key"
MASTER_KEY = "e2e-master-key"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
async def live_emulator() -> AsyncIterator[ExchangeEmulator]:
    emu = ExchangeEmulator(clock=LiveClock())
    for i, symbol in enumerate(("BTC/USDT", "ETH/USDT")):
        emu.add_series("binance", symbol, seed=i + 1, base_price=30_000.0 / (i + 1), listing_ms=LISTING_MS)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


def _wait_healthy(server: Server, deadline_s: float = 60.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.process.poll() is not None:
            raise AssertionError(f"cbdata serve exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"cbdata serve did not become healthy:\n{server.log()}")


@pytest.fixture(params=["local", pytest.param("azure", marks=pytest.mark.azurite)])
def server(request, live_emulator, tmp_path) -> Iterator[Server]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "CCXT_", "SYNC_", "LOCAL_"))}
    env.pop("WebPubSubConnectionString", None)
    env.update(
        CCXT_EXCHANGES="binance,okx",
        CCXT_DEFAULT_EXCHANGE="binance",
        CCXT_EXCHANGE_OPTIONS=json.dumps(live_emulator.exchange_options("binance", "okx", timeout_ms=5000)),
        BINANCE_ARCHIVE_URL=live_emulator.archive_url,  # never the real archive host
        ARCHIVE_ENABLED="false",  # these tests count REST requests over ranges of the live clock
        CCXT_CLOSED_CANDLE_MARGIN_SECONDS="5",
        CCXT_RETRY_BASE_DELAY_SECONDS="0.01",
        LOCAL_FUNCTION_KEY=FUNCTION_KEY,
        LOCAL_MASTER_KEY=MASTER_KEY,
        SYNC_SCHEDULE="*/2 * * * * *",
        SYNC_TARGETS="binance:ETH/USDT:1h",
        SYNC_BACKFILL_DAYS="2",
        STORAGE_LOCAL_ROOT_PATH=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL=os.environ.get("E2E_LOG_LEVEL", "INFO"),
    )
    if request.param == "azure":
        azurite = request.getfixturevalue("azurite")
        env.update(
            STORAGE_TYPE="azure",
            STORAGE_AZURE_CONNECTION_STRING=azurite.connection_string,
            STORAGE_AZURE_CONTAINER_NAME=f"e2e-{uuid.uuid4().hex[:20]}",  # Azurite outlives one test
        )
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        server.stop()
