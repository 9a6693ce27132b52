"""Exchange plugins beyond ccxt: a new source needs no edit to the registry (``add_plugin`` or the
``cbdata.exchanges`` entry point), the allow-list still decides, and ccxt stays the fallback."""

from __future__ import annotations

import asyncio
import importlib

import pyarrow as pa
import pytest

from shared.errors import ConfigurationError, UnknownExchangeError
from shared.exchange import ENTRY_POINT_GROUP, ExchangeClient, ExchangeRegistry, PluginContext
from shared.fetch.service import CandleService
from shared.series import SeriesKey
from shared.settings import CcxtSettings
from shared.storage.local_backend import LocalFileBackend
from shared.store import CandleStore
from tests.exchange import static_plugin
from tests.exchange.static_plugin import SYMBOL, StaticFeed, candle

NOW_S = 1_700_000_000.0
HOUR = 3_600_000
START = int(NOW_S * 1000) // HOUR * HOUR - 48 * HOUR


CONTEXT = PluginContext(CcxtSettings(), lambda: NOW_S, asyncio.sleep)


def registry(*exchanges: str, fallback=None) -> ExchangeRegistry:
    settings = CcxtSettings(exchanges=list(exchanges), default_exchange=exchanges[0])
    return ExchangeRegistry(settings, clock=lambda: NOW_S, factory=fallback)


def ccxt_fallback(made: list[str]):
    def factory(exchange_id: str) -> ExchangeClient:
        made.append(exchange_id)
        return StaticFeed(exchange_id, CONTEXT)  # stands in for the ccxt plugin: records what it made

    return factory


async def test_add_plugin_serves_its_id_and_ccxt_stays_the_fallback_for_the_others():
    made: list[str] = []
    exchanges = registry("binance", "staticfeed", fallback=ccxt_fallback(made))
    exchanges.add_plugin("staticfeed", static_plugin.create)
    feed = exchanges.get("staticfeed")
    assert isinstance(feed, StaticFeed) and isinstance(feed, ExchangeClient) and made == []
    assert exchanges.get("staticfeed") is feed  # one per id, as for ccxt
    exchanges.get("binance")
    assert made == ["binance"]
    await exchanges.aclose()
    assert feed.closed


async def test_a_plugin_id_off_the_allow_list_is_still_refused():
    exchanges = registry("binance", fallback=ccxt_fallback([]))
    exchanges.add_plugin("staticfeed", static_plugin.create)
    with pytest.raises(UnknownExchangeError):
        exchanges.get("staticfeed")


async def test_the_candle_service_serves_a_non_ccxt_source_end_to_end(tmp_path):
    exchanges = registry("staticfeed")
    exchanges.add_plugin("staticfeed", static_plugin.create)
    backend = LocalFileBackend(tmp_path)
    service = CandleService(CandleStore(backend), exchanges, closed_margin_seconds=0, clock=lambda: NOW_S)
    series = SeriesKey("staticfeed", SYMBOL, "1h")
    stream = await service.open(series, START, START + 24 * HOUR)
    table = pa.concat_tables([batch async for batch in stream.batches()])
    assert table.column("timestamp").to_pylist() == list(range(START, START + 24 * HOUR, HOUR))
    assert table.column("open").to_pylist() == [candle(ts)[1] for ts in range(START, START + 24 * HOUR, HOUR)]
    again = await service.open(series, START, START + 24 * HOUR)
    assert again.plugin is None  # stored now: the second request needs no source at all
    await exchanges.aclose()
    await backend.close()


def write_distribution(root, entry: str) -> None:
    """A tiny installed distribution (a dist-info on sys.path) declaring one cbdata.exchanges plugin."""
    info = root / "staticfeed_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: staticfeed-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nstaticfeed = {entry}\n")


async def test_an_installed_entry_point_is_found_and_loaded_only_when_its_id_is_asked_for(
    tmp_path, monkeypatch
):
    write_distribution(tmp_path, "tests.exchange.static_plugin:create")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    made: list[str] = []
    loaded: list[str] = []
    real_create = static_plugin.create

    def counting_create(exchange_id, context):
        loaded.append(exchange_id)
        return real_create(exchange_id, context)

    monkeypatch.setattr(static_plugin, "create", counting_create)
    exchanges = registry("binance", "staticfeed", fallback=ccxt_fallback(made))
    assert loaded == []  # nothing is loaded at start-up
    exchanges.get("binance")
    assert loaded == [] and made == ["binance"]
    feed = exchanges.get("staticfeed")
    assert isinstance(feed, StaticFeed) and loaded == ["staticfeed"] and made == ["binance"]
    pages = [page async for page in feed.fetch_ohlcv(SYMBOL, "1h", START, START + 3 * HOUR)]
    assert [row[0] for page in pages for row in page.rows] == [START, START + HOUR, START + 2 * HOUR]
    await exchanges.aclose()


async def test_a_broken_entry_point_is_a_clear_configuration_error(tmp_path, monkeypatch):
    write_distribution(tmp_path, "tests.exchange.no_such_module:create")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    exchanges = registry("binance", "staticfeed", fallback=ccxt_fallback([]))
    with pytest.raises(ConfigurationError, match=r"tests\.exchange\.no_such_module:create"):
        exchanges.get("staticfeed")


def test_add_plugin_after_the_id_was_served_is_refused():
    exchanges = registry("binance", fallback=ccxt_fallback([]))
    exchanges.get("binance")
    with pytest.raises(ConfigurationError):
        exchanges.add_plugin("binance", static_plugin.create)
