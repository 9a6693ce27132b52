"""Each wrong setting fails with one ConfigurationError that names it as an environment variable."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError
from shared.settings import load_settings

WRONG = [
    ("STORAGE_TYPE", "blob", "STORAGE_TYPE: must be one of 'local', 'azure' (got 'blob')"),
    ("STORAGE_TYPE", "azure", "STORAGE_TYPE: STORAGE_TYPE=azure needs STORAGE_AZURE_CONNECTION_STRING or"),
    ("STORAGE_AZURE_ACCOUNT_URL", "account.blob.core.windows.net", "STORAGE_AZURE_ACCOUNT_URL: must be an"),
    ("STORAGE_AZURE_CONTAINER_NAME", "Market_Data", "STORAGE_AZURE_CONTAINER_NAME: must be 3-63 lower-case"),
    ("STORAGE_AZURE_CONTAINER_NAME", "a--b", "STORAGE_AZURE_CONTAINER_NAME: must be 3-63"),
    ("CCXT_EXCHANGES", " , ", "CCXT_EXCHANGES: must list at least one exchange id"),
    ("CCXT_EXCHANGES", "binance,Kraken", "CCXT_EXCHANGES: exchange 'Kraken' is not a valid exchange id"),
    ("CCXT_EXCHANGES", "cryptocom,binance,binance", "CCXT_EXCHANGES: lists an exchange twice"),
    (
        "CCXT_DEFAULT_EXCHANGE",
        "ftx",
        "CCXT_DEFAULT_EXCHANGE: must be one of CCXT_EXCHANGES (cryptocom, binance",
    ),
    (
        "CCXT_EXCHANGE_OPTIONS",
        '{"ftx": {}}',
        "CCXT_EXCHANGE_OPTIONS: keys must be exchange ids from CCXT_EXCHANGES",
    ),
    ("CCXT_EXCHANGE_OPTIONS", "[1, 2]", "CCXT_EXCHANGE_OPTIONS: must be a JSON object such as"),
    ("CCXT_EXCHANGE_OPTIONS", "{timeout: 1}", "CCXT_EXCHANGE_OPTIONS: must be a JSON object such as"),
    ("CCXT_EXCHANGE_OPTIONS", '{"binance": 5}', "CCXT_EXCHANGE_OPTIONS (binance): must be a JSON object"),
    (
        "CCXT_CREDENTIALS",
        '{"binance": {"apikey": "x"}}',
        "CCXT_CREDENTIALS (binance.apikey): is not a known key",
    ),
    ("CCXT_CREDENTIALS", '{"ftx": {"api_key": "x"}}', "CCXT_CREDENTIALS: keys must be exchange ids"),
    ("CCXT_CREDENTIALS", '{"binance": {"secret": ', "CCXT_CREDENTIALS: must be a JSON object such as"),
    (
        "CCXT_CLOSED_CANDLE_MARGIN_SECONDS",
        "-1",
        "CCXT_CLOSED_CANDLE_MARGIN_SECONDS: must be at least 0 (got '-1')",
    ),
    ("CCXT_CLOSED_CANDLE_MARGIN_SECONDS", "soon", "CCXT_CLOSED_CANDLE_MARGIN_SECONDS: must be a number"),
    ("CCXT_MARKETS_TTL_SECONDS", "0", "CCXT_MARKETS_TTL_SECONDS: must be greater than 0"),
    ("CCXT_RETRY_MAX_ATTEMPTS", "0", "CCXT_RETRY_MAX_ATTEMPTS: must be at least 1"),
    ("CCXT_RETRY_MAX_ATTEMPTS", "51", "CCXT_RETRY_MAX_ATTEMPTS: must be at most 50"),
    ("CCXT_RETRY_MAX_ATTEMPTS", "2.5", "CCXT_RETRY_MAX_ATTEMPTS: must be a whole number (got '2.5')"),
    ("CCXT_RETRY_MAX_DELAY_SECONDS", "0.1", "CCXT_RETRY_MAX_DELAY_SECONDS: must not be less than"),
    ("SYNC_SCHEDULE", "*/30 * * * *", "SYNC_SCHEDULE: must be a six-field NCRONTAB expression"),
    ("SYNC_SCHEDULE", "0 60 * * * *", "the minute field '60' is not valid (0-59)"),
    ("SYNC_SCHEDULE", "0 0 24 * * *", "the hour field '24' is not valid (0-23)"),
    ("SYNC_SCHEDULE", "0 0 0 0 * *", "the day field '0' is not valid (1-31)"),
    ("SYNC_SCHEDULE", "0 0 0 1 13 *", "the month field '13' is not valid (1-12)"),
    ("SYNC_SCHEDULE", "0 0 0 * * Funday", "the day-of-week field 'funday' is not valid (0-6)"),
    ("SYNC_SCHEDULE", "0 30-10 * * * *", "the minute field '30-10' is not valid"),
    ("SYNC_SCHEDULE", "0 */0 * * * *", "the minute field '*/0' is not valid"),
    (
        "SYNC_TARGETS",
        "binance:BTC/USDT",
        "SYNC_TARGETS: entry 'binance:BTC/USDT' must look like exchange:SYMBOL",
    ),
    (
        "SYNC_TARGETS",
        "binance:BTC/USDT:1M",
        "SYNC_TARGETS: entry 'binance:BTC/USDT:1M': timeframe '1M' is not",
    ),
    (
        "SYNC_TARGETS",
        "binance:../../etc:1m",
        "SYNC_TARGETS: entry 'binance:../../etc:1m': symbol '../../etc' has",
    ),
    (
        "SYNC_TARGETS",
        "Bin ance:BTC/USDT:1m",
        "SYNC_TARGETS: entry 'Bin ance:BTC/USDT:1m': exchange 'Bin ance'",
    ),
    (
        "SYNC_TARGETS",
        "okx:BTC/USDT:1m,okx:BTC/USDT:1m",
        "SYNC_TARGETS: entry 'okx:BTC/USDT:1m' is listed twice",
    ),
    ("SYNC_TARGETS", "bitstamp:BTC/USD:1h", "SYNC_TARGETS: targets must use exchanges from CCXT_EXCHANGES"),
    ("SYNC_BACKFILL_DAYS", "0", "SYNC_BACKFILL_DAYS: must be at least 1"),
    ("SYNC_BACKFILL_DAYS", "a month", "SYNC_BACKFILL_DAYS: must be a whole number (got 'a month')"),
    ("SYNC_CONCURRENCY_PER_EXCHANGE", "33", "SYNC_CONCURRENCY_PER_EXCHANGE: must be at most 32"),
    ("LOG_LEVEL", "verbose", "LOG_LEVEL: must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR' (got 'VERBOSE')"),
    ("KEY_VAULT_URL", "http://vault.local/", "KEY_VAULT_URL: must be an https:// URL"),
    ("MAX_REQUEST_CANDLES", "0", "MAX_REQUEST_CANDLES: must be at least 1"),
    ("HTTP_MAX_CANDLES", "lots", "HTTP_MAX_CANDLES: must be a whole number"),
    ("WEBPUBSUB_HUB", "market data!", "WEBPUBSUB_HUB: "),
]


@pytest.mark.parametrize(("name", "value", "expected"), WRONG, ids=[f"{n}={v}" for n, v, _ in WRONG])
def test_wrong_setting_is_named_with_what_it_accepts(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    error = caught.value
    assert error.code == "CONFIGURATION_ERROR"
    assert expected in error.message
    assert error.message.startswith(f"{name}") or "SYNC_SCHEDULE" in name
    assert name in error.details["settings"]
    assert error.__cause__ is None and error.__suppress_context__  # one error, not a pydantic trace


def test_several_wrong_settings_come_in_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_TYPE", "s3")
    monkeypatch.setenv("SYNC_BACKFILL_DAYS", "-3")
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert caught.value.details["settings"] == ["STORAGE_TYPE", "SYNC_BACKFILL_DAYS", "LOG_LEVEL"]
    assert caught.value.message.count("; ") == 2


def test_azure_storage_with_account_url_or_connection_string_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORAGE_TYPE", "azure")
    monkeypatch.setenv("STORAGE_AZURE_ACCOUNT_URL", "https://acct.blob.core.windows.net")
    assert load_settings().storage.azure_account_url == "https://acct.blob.core.windows.net"
    monkeypatch.delenv("STORAGE_AZURE_ACCOUNT_URL")
    monkeypatch.setenv("STORAGE_AZURE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    assert load_settings().storage.type == "azure"


def test_wrong_override_is_named_the_same_way() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(sync={"targets": ["binance:BTC/USDT:1x"]})
    assert caught.value.message.startswith("SYNC_TARGETS: entry 'binance:BTC/USDT:1x'")
