"""Exchange emulator fixtures (registered as a pytest plugin in tests/conftest.py).

- ``exchange_emulator``: a started ``ExchangeEmulator`` (stopped afterwards) with "now" fixed at
  ``DEFAULT_NOW_MS`` (30 s into a minute, so an open candle exists) and these markets:
  binance ``BTC/USDT`` (listed ``LISTING_MS``) and ``ETH/USDT`` (listed ``LISTING_MS``);
  okx ``BTC/USDT`` (listed ``LISTING_MS``). Tests add series/gaps/faults as they need.
- ``exchange_settings``: ``CcxtSettings`` for the emulator (binance and okx enabled, binance the
  default, tiny retry delays, 2 s client timeout, no closing margin).
- ``exchange_registry``: an ``ExchangeRegistry`` on those settings using the emulator's clock;
  closed afterwards.
``emulator_settings(emu, **overrides)`` builds such settings for other combinations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.exchange import ExchangeRegistry
from shared.settings import CcxtSettings
from tests.emulator.server import DEFAULT_NOW_MS, ExchangeEmulator

LISTING_MS = DEFAULT_NOW_MS - DEFAULT_NOW_MS % 86_400_000 - 400 * 86_400_000  # ~400 days before "now"


def emulator_settings(emu: ExchangeEmulator, **overrides: Any) -> CcxtSettings:
    values: dict[str, Any] = {
        "exchanges": ["binance", "okx"],
        "default_exchange": "binance",
        "exchange_options": emu.exchange_options("binance", "okx", timeout_ms=2000),
        "closed_candle_margin_seconds": 0.0,
        "retry_max_attempts": 4,
        "retry_base_delay_seconds": 0.001,
        "retry_max_delay_seconds": 0.02,
    }
    values.update(overrides)
    return CcxtSettings(**values)


@pytest.fixture
async def exchange_emulator() -> AsyncIterator[ExchangeEmulator]:
    emu = ExchangeEmulator()
    emu.add_series("binance", "BTC/USDT", seed=1, base_price=30_000.0, listing_ms=LISTING_MS)
    emu.add_series("binance", "ETH/USDT", seed=2, base_price=2_000.0, listing_ms=LISTING_MS)
    emu.add_series("okx", "BTC/USDT", seed=3, base_price=30_000.0, listing_ms=LISTING_MS)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def exchange_settings(exchange_emulator: ExchangeEmulator) -> CcxtSettings:
    return emulator_settings(exchange_emulator)


@pytest.fixture
async def exchange_registry(
    exchange_emulator: ExchangeEmulator, exchange_settings: CcxtSettings
) -> AsyncIterator[ExchangeRegistry]:
    registry = ExchangeRegistry(exchange_settings, clock=exchange_emulator.clock)
    try:
        yield registry
    finally:
        await registry.aclose()
