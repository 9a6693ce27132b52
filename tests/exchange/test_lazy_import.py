"""Cold start: importing the app (or the exchange package) must not import ccxt (~0.4-0.55 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECK = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m == "ccxt" or m.startswith("ccxt."))
print(",".join(leaked))
"""


def _ccxt_modules_after_importing(*modules: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", CHECK.format(modules=list(modules))],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


def test_importing_the_app_imports_no_ccxt() -> None:
    modules = ["shared.exchange", "shared.exchange.registry", "shared.exchange.ccxt.client"]
    if (REPO_ROOT / "function_app.py").exists():
        modules.insert(0, "function_app")
    assert _ccxt_modules_after_importing(*modules) == ""


def test_the_check_would_notice_ccxt() -> None:
    # Guards the test above against passing vacuously.
    assert "ccxt.async_support" in _ccxt_modules_after_importing("ccxt.async_support")


async def test_ccxt_is_imported_only_when_a_plugin_first_talks_to_its_exchange(
    exchange_registry, exchange_emulator
) -> None:
    plugin = exchange_registry.get("binance")
    assert plugin.requests_made == 0 and exchange_emulator.request_count() == 0
    await plugin.ensure_market("BTC/USDT")
    assert "ccxt.async_support" in sys.modules
    assert exchange_emulator.request_count("binance", "markets") == 1
