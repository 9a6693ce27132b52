"""The exchange emulator: Binance and OKX REST dialects on loopback for real ccxt (see server.py)."""

from tests.emulator.clock import FakeClock
from tests.emulator.series import SyntheticSeries
from tests.emulator.server import DEFAULT_NOW_MS, ExchangeEmulator

__all__ = ["DEFAULT_NOW_MS", "ExchangeEmulator", "FakeClock", "SyntheticSeries"]
