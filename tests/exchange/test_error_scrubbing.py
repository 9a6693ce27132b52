"""Exchange error messages never carry our credentials: ``map_error``/``scrub`` and the client path.

The secrets here are unique to this module (nothing registers them with shared.redaction), so these
tests fail if the exchange-specific scrubbing breaks even though the log filter would mask them.
"""

from __future__ import annotations

import ccxt.async_support as ccxt
import pytest

from shared.errors import ExchangeError
from shared.exchange.ccxt.errors import MAX_MESSAGE, map_error, scrub
from shared.settings import CcxtSettings
from tests.emulator.fixtures import emulator_settings
from tests.fetch.helpers import MIN, NOW_SLOT

KEY, SECRET = "scrubKEYa1b2c3d4e5", "scrubSECRETf6g7h8i9"


@pytest.mark.parametrize(
    "exc",
    [
        ccxt.AuthenticationError(f'binance {{"msg": "bad key {KEY}"}}'),
        ccxt.PermissionDenied(f"key {KEY} may not trade, secret {SECRET}"),
        ccxt.BadSymbol(f"no symbol for {KEY}"),
        ccxt.RateLimitExceeded(f"GET /api?apiKey={KEY}&signature={SECRET}"),
        ccxt.NetworkError(f"connect failed {KEY}"),
        ccxt.ExchangeError(f"{SECRET} " * 50),
        RuntimeError(f"transport: {KEY}:{SECRET}"),
    ],
)
def test_map_error_scrubs_every_credential(exc):
    error = map_error(exc, "binance", [KEY, SECRET])
    assert isinstance(error, Exception) and error.code
    for text in (error.message, str(error), repr(error.to_dict())):
        assert KEY not in text and SECRET not in text
    assert "***" in error.message


def test_scrub_cuts_after_masking_so_no_secret_prefix_is_left():
    text = "x" * (MAX_MESSAGE - 5) + KEY
    out = scrub(text, [KEY])
    assert len(out) <= MAX_MESSAGE and KEY[:5] not in out


@pytest.fixture
def exchange_settings(exchange_emulator) -> CcxtSettings:
    return emulator_settings(exchange_emulator, credentials={"binance": {"api_key": KEY, "secret": SECRET}})


async def test_an_exchange_echoing_our_key_is_scrubbed(exchange_registry, exchange_emulator):
    body = {"code": -2015, "msg": f"Invalid API-key {KEY}, secret {SECRET}"}
    exchange_emulator.inject("binance", "status", status=401, body=body, endpoint="*", count=10)
    client = exchange_registry.get("binance")
    with pytest.raises(ExchangeError) as err:
        async for _ in client.fetch_ohlcv("BTC/USDT", "1m", NOW_SLOT - 100 * MIN, NOW_SLOT):
            pass
    assert err.value.code == "EXCHANGE_ERROR" and "Invalid API-key" in err.value.message
    assert KEY not in err.value.message and SECRET not in err.value.message
