"""The registry: allow-list, default exchange, one lazily created plugin per id, all closed together."""

from __future__ import annotations

import gc
import warnings

import pytest

from shared.errors import (
    CoinNotAvailableError,
    ConfigurationError,
    InvalidRequestError,
    UnknownExchangeError,
    UnsupportedTimeframeError,
)
from shared.exchange import ExchangeClient, ExchangeRegistry
from shared.settings import CcxtSettings
from tests.exchange.helpers import collect


def test_an_exchange_not_on_the_allow_list_is_refused_and_never_created() -> None:
    made: list[str] = []
    registry = ExchangeRegistry(
        CcxtSettings(exchanges=["binance"], default_exchange="binance"), factory=lambda i: made.append(i)
    )
    for name in ("kraken", "Binance", "../binance", ""):
        with pytest.raises(UnknownExchangeError) as err:
            registry.get(name)
        assert err.value.code == "UNKNOWN_EXCHANGE" and "binance" in err.value.message
    assert made == [] and registry.created() == {}


def test_a_default_exchange_off_the_allow_list_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        # settings validate this too; the registry does not rely on it
        ExchangeRegistry(CcxtSettings.model_construct(exchanges=["binance"], default_exchange="cryptocom"))


async def test_plugins_are_created_lazily_once_and_the_default_is_used_for_none(exchange_registry) -> None:
    assert exchange_registry.created() == {}
    default = exchange_registry.get(None)
    assert default.exchange_id == "binance" and isinstance(default, ExchangeClient)
    assert exchange_registry.get("binance") is default
    assert set(exchange_registry.created()) == {"binance"}
    assert exchange_registry.get("okx") is not default


@pytest.mark.parametrize("exchange", ["binance", "okx"])
async def test_known_and_unknown_symbols(exchange: str, exchange_registry, exchange_emulator) -> None:
    client = exchange_registry.get(exchange)
    await client.ensure_market("BTC/USDT")
    with pytest.raises(CoinNotAvailableError) as err:
        await client.ensure_market("NOPE/USDT")
    assert err.value.code == "COIN_NOT_AVAILABLE"
    with pytest.raises(CoinNotAvailableError):
        await collect(client, "DOGE/USDT", "1m", 0, 10**12)
    with pytest.raises(InvalidRequestError):
        await client.ensure_market("../etc/passwd")
    assert exchange_emulator.request_count(exchange, "markets") == 1  # loaded once, then cached
    assert exchange_emulator.request_count(exchange, "ohlcv") == 0


async def test_concurrent_first_calls_share_one_markets_load(exchange_registry, exchange_emulator) -> None:
    import asyncio

    client = exchange_registry.get("okx")
    await asyncio.gather(*(client.ensure_market("BTC/USDT") for _ in range(5)))
    assert exchange_emulator.request_count("okx", "markets") == 1


async def test_markets_are_refreshed_after_their_ttl(exchange_emulator) -> None:
    from tests.emulator.fixtures import emulator_settings

    registry = ExchangeRegistry(
        emulator_settings(exchange_emulator, markets_ttl_seconds=3600), clock=exchange_emulator.clock
    )
    try:
        client = registry.get("binance")
        await client.ensure_market("BTC/USDT")
        exchange_emulator.add_series("binance", "SOL/USDT", seed=9, base_price=150.0)
        with pytest.raises(CoinNotAvailableError):
            await client.ensure_market("SOL/USDT")  # still the cached markets
        exchange_emulator.clock.advance(3601)
        await client.ensure_market("SOL/USDT")
        assert exchange_emulator.request_count("binance", "markets") == 2
    finally:
        await registry.aclose()


@pytest.mark.parametrize(
    ("exchange", "timeframe"), [("binance", "1M"), ("okx", "8h"), ("okx", "1s"), ("binance", "7m")]
)
async def test_unsupported_timeframes(
    exchange: str, timeframe: str, exchange_registry, exchange_emulator
) -> None:
    client = exchange_registry.get(exchange)
    with pytest.raises(UnsupportedTimeframeError) as err:
        await client.ensure_timeframe(timeframe)
    assert err.value.code == "UNSUPPORTED_TIMEFRAME"
    with pytest.raises(UnsupportedTimeframeError):
        await collect(client, "BTC/USDT", timeframe, 0, 10**12)
    await client.ensure_timeframe("1h")
    assert exchange_emulator.request_count(exchange, "ohlcv") == 0


async def test_aclose_closes_every_session_without_unclosed_warnings(exchange_emulator, caplog) -> None:
    from tests.emulator.fixtures import emulator_settings

    registry = ExchangeRegistry(emulator_settings(exchange_emulator), clock=exchange_emulator.clock)
    sessions = []
    for name in ("binance", "okx"):
        client = registry.get(name)
        await client.ensure_market("BTC/USDT")
        sessions.append((await client.connector.instance()).session)
    assert all(s is not None and not s.closed for s in sessions)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await registry.aclose()
        del client
        gc.collect()
    assert all(s.closed for s in sessions)
    assert registry.created() == {}
    assert not [w for w in caught if "nclosed" in str(w.message)]
    assert "nclosed" not in caplog.text
