"""Fixtures for the ``cbdata`` tests: the CLI in this process, configured through the environment,
talking to the exchange emulator on loopback, storing under a temporary directory.

The CLI's ``CandleService`` runs on real time while the emulator's clock is fixed: ``cli_env`` sets
the emulator's "now" to real time plus two minutes (so every candle the CLI considers closed is
closed on the emulator too) and tests ask for ranges that ended well before.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.cli import main
from tests.emulator import ExchangeEmulator

DAY_MS = 86_400_000


@dataclass
class CliEnv:
    emulator: ExchangeEmulator
    root: Path  # the working directory; candles under root / "data"
    day: int  # 00:00 UTC four days ago: ranges from here end well in the past

    async def run(self, *argv: str) -> int:
        """``cbdata argv...`` in a worker thread (it runs its own event loop; the emulator's is this one)."""
        return await asyncio.to_thread(main, list(argv))

    def truth(self, exchange: str, symbol: str, timeframe: str, start: int, end: int) -> list[list]:
        return self.emulator.ground_truth(exchange, symbol, timeframe, start, end)


@pytest.fixture
def cli_env(exchange_emulator: ExchangeEmulator, tmp_path: Path, monkeypatch) -> CliEnv:
    now_ms = int(time.time() * 1000)
    exchange_emulator.clock.set_ms(now_ms + 120_000)
    monkeypatch.chdir(tmp_path)  # no developer's local.settings.json or .env is read
    env = {
        "CCXT_EXCHANGES": "binance,okx",
        "CCXT_DEFAULT_EXCHANGE": "binance",
        "CCXT_EXCHANGE_OPTIONS": json.dumps(exchange_emulator.exchange_options("binance", "okx")),
        "BINANCE_ARCHIVE_URL": exchange_emulator.archive_url,  # never the real archive host
        "ARCHIVE_ENABLED": "false",  # these tests count REST requests; test_fetch turns it on once
        "CCXT_CLOSED_CANDLE_MARGIN_SECONDS": "0",
        "CCXT_RETRY_MAX_ATTEMPTS": "2",
        "CCXT_RETRY_BASE_DELAY_SECONDS": "0.001",
        "CCXT_RETRY_MAX_DELAY_SECONDS": "0.01",
        "STORAGE_TYPE": "local",
        "STORAGE_LOCAL_ROOT_PATH": str(tmp_path / "data"),
        "SYNC_BACKFILL_DAYS": "1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("SYNC_TARGETS", "KEY_VAULT_URL", "WebPubSubConnectionString", "MAX_REQUEST_CANDLES"):
        monkeypatch.delenv(name, raising=False)
    return CliEnv(exchange_emulator, tmp_path, now_ms - now_ms % DAY_MS - 4 * DAY_MS)
