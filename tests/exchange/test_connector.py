"""CcxtConnector against the exchange emulator: one lazily made ccxt instance, counted requests,
non-JSON bodies refused and retried, errors mapped with the secrets scrubbed."""

from __future__ import annotations

import pytest

from shared.backoff import RetryPolicy
from shared.errors import ExchangeAuthError, ExchangeError, ExchangeUnavailableError, UnknownExchangeError
from shared.exchange.ccxt.config import ccxt_config
from shared.exchange.ccxt.connector import CcxtConnector, retry_policy
from tests.emulator.fixtures import emulator_settings

pytestmark = pytest.mark.emulator
SECRET = "connector-SECRET-4e1b"


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def connector(exchange_emulator):
    settings = emulator_settings(exchange_emulator)
    made = CcxtConnector(
        "binance", ccxt_config(settings, "binance"), retry_policy(settings), secrets=[SECRET], sleep=no_sleep
    )
    yield made
    await made.close()


def test_the_policy_comes_from_the_settings(exchange_emulator) -> None:
    settings = emulator_settings(exchange_emulator, retry_max_attempts=7, retry_max_delay_seconds=0.5)
    assert retry_policy(settings) == RetryPolicy(7, settings.retry_base_delay_seconds, 0.5)


async def test_one_instance_made_on_first_use_and_every_request_counted(connector, exchange_emulator) -> None:
    assert connector.requests_made == 0 and exchange_emulator.request_count() == 0
    exchange = await connector.instance()
    assert await connector.instance() is exchange  # reused: one rate limiter, one markets cache
    assert exchange_emulator.request_count() == 0  # making it sends nothing
    markets = await connector.run(lambda: exchange.load_markets())
    assert "BTC/USDT" in markets
    assert connector.requests_made == exchange_emulator.request_count("binance") > 0


async def test_a_body_that_is_not_json_is_retried_then_refused(connector, exchange_emulator) -> None:
    exchange = await connector.instance()
    exchange_emulator.inject("binance", "malformed", endpoint="markets", count=1)
    assert "BTC/USDT" in await connector.run(lambda: exchange.load_markets())
    assert exchange_emulator.request_count("binance", "markets") == 2  # the bad body, then the retry
    exchange_emulator.inject("binance", "malformed", endpoint="ohlcv", count=100)
    with pytest.raises(ExchangeUnavailableError) as err:
        await connector.run(lambda: exchange.fetch_ohlcv("BTC/USDT", "1m", None, 10))
    assert "not JSON" in err.value.message
    assert exchange_emulator.request_count("binance", "ohlcv") == 4  # retry_max_attempts


async def test_errors_are_mapped_once_without_retry_and_without_secrets(connector) -> None:
    import ccxt.async_support as ccxt

    calls: list[str] = []

    async def rejected() -> None:
        calls.append("auth")
        raise ccxt.AuthenticationError(f'binance {{"msg": "key {SECRET} rejected"}}')

    with pytest.raises(ExchangeAuthError) as err:
        await connector.run(rejected)
    assert calls == ["auth"]  # a rejected key is not retried
    assert SECRET not in err.value.message and "***" in err.value.message

    async def unexpected() -> None:
        raise ValueError(f"url?signature={SECRET}")

    with pytest.raises(ExchangeError) as other:
        await connector.run(unexpected)
    assert other.value.code == "EXCHANGE_ERROR" and SECRET not in other.value.message


async def test_an_exchange_ccxt_does_not_know_is_refused(exchange_emulator) -> None:
    settings = emulator_settings(exchange_emulator)
    unknown = CcxtConnector("nosuchexchange", {}, retry_policy(settings))
    with pytest.raises(UnknownExchangeError):
        await unknown.instance()
    await unknown.close()  # nothing was made: closing is a no-op
