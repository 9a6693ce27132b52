"""Portfolio settings: loaded apart from the candle service's, Key Vault secret names, clear errors."""

from __future__ import annotations

import json

import pytest

from shared.errors import ConfigurationError
from shared.portfolio.credentials import account_keys
from shared.portfolio.exchange import account_config
from shared.portfolio.settings import DEFAULT_SCHEDULE, load_portfolio_settings
from shared.settings import CcxtSettings, load_settings
from tests.settings.key_vault_stub import StubCredential, StubSecretClient

VAULT = "https://example-vault.vault.azure.net/"
ACCOUNTS = [{"name": "main", "exchange": "binance"}, {"name": "okx_one", "exchange": "okx", "quote": "usdc"}]
CREDS = {
    "main": {"api_key": "k-main", "secret": "s-main"},
    "okx_one": {"api_key": "k-okx", "secret": "s-okx", "password": "p-okx"},
}


def load(monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_portfolio_settings(["binance", "okx"], local_settings_file=None)


def test_defaults_no_accounts(monkeypatch) -> None:
    settings = load(monkeypatch)
    assert settings.accounts == [] and settings.portfolio.schedule == DEFAULT_SCHEDULE
    assert settings.portfolio.concurrency == 4 and account_keys(settings) == {}


def test_from_environment(monkeypatch) -> None:
    settings = load(
        monkeypatch,
        PORTFOLIO_ACCOUNTS=json.dumps(ACCOUNTS),
        PORTFOLIO_CREDENTIALS=json.dumps(CREDS),
        PORTFOLIO_SCHEDULE="0 */5 * * * *",
        PORTFOLIO_CONCURRENCY="2",
    )
    assert [(a.name, a.exchange, a.quote, a.market_types) for a in settings.accounts] == [
        ("main", "binance", "USDT", ("spot",)),
        ("okx_one", "okx", "USDC", ("spot",)),
    ]
    assert (settings.portfolio.schedule, settings.portfolio.concurrency) == ("0 */5 * * * *", 2)
    keys = account_keys(settings)
    assert keys["okx_one"].ccxt_config() == {"apiKey": "k-okx", "secret": "s-okx", "password": "p-okx"}
    assert "k-main" not in repr(settings) and "s-main" not in repr(keys)


def test_key_vault_secret_names_map_to_credentials(monkeypatch) -> None:
    stub = StubSecretClient(
        {
            "PORTFOLIO--ACCOUNTS": json.dumps(ACCOUNTS),
            "PORTFOLIO--CREDENTIALS": json.dumps(CREDS),
            "PORTFOLIO--CONCURRENCY": "3",
        }
    )
    monkeypatch.setenv("KEY_VAULT_URL", VAULT)
    settings = load_portfolio_settings(
        ["binance", "okx"],
        credential=StubCredential(),
        secret_client_factory=stub.factory,
        local_settings_file=None,
    )
    assert stub.vault_url == VAULT and "PORTFOLIO--CREDENTIALS" in stub.read
    keys = account_keys(settings)
    assert keys["main"].ccxt_config() == {"apiKey": "k-main", "secret": "s-main"}
    assert keys["okx_one"].password is not None and keys["okx_one"].password.get_secret_value() == "p-okx"
    assert settings.portfolio.concurrency == 3


@pytest.mark.parametrize(("env", "named", "said"), [
    ({"PORTFOLIO_ACCOUNTS": "[{"}, "PORTFOLIO_ACCOUNTS", "invalid JSON"),
    ({"PORTFOLIO_ACCOUNTS": '[{"name": "Main!", "exchange": "binance"}]'}, "PORTFOLIO_ACCOUNTS", "lower-case"),
    ({"PORTFOLIO_ACCOUNTS": '[{"name": "a", "exchange": "binance"}, {"name": "a", "exchange": "okx"}]'},
     "PORTFOLIO_ACCOUNTS", "listed twice: a"),
    ({"PORTFOLIO_ACCOUNTS": '[{"name": "a", "exchange": "kraken"}]'}, "PORTFOLIO_ACCOUNTS", "CCXT_EXCHANGES"),
    ({"PORTFOLIO_SCHEDULE": "every 5 minutes"}, "PORTFOLIO_SCHEDULE", "NCRONTAB"),
    ({"PORTFOLIO_CONCURRENCY": "0"}, "PORTFOLIO_CONCURRENCY", "at least 1"),
    ({"PORTFOLIO_CREDENTIALS": '{"ghost": {"api_key": "TOPSECRET1"}}'}, "PORTFOLIO_CREDENTIALS", "unknown: 'ghost'"),
])  # fmt: skip
def test_wrong_values_name_the_setting(monkeypatch, env, named, said) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load(monkeypatch, **env)
    assert caught.value.message.startswith(named) and said in caught.value.message
    assert "TOPSECRET1" not in str(caught.value)


def test_missing_or_incomplete_credentials_name_the_setting(monkeypatch) -> None:
    creds = {
        "okx_one": {"api_key": "TOPSECRET2", "secret": "TOPSECRET3"}
    }  # main: none; okx_one: no passphrase
    settings = load(
        monkeypatch, PORTFOLIO_ACCOUNTS=json.dumps(ACCOUNTS), PORTFOLIO_CREDENTIALS=json.dumps(creds)
    )
    with pytest.raises(ConfigurationError) as caught:
        account_keys(settings)
    message = caught.value.message
    assert message.startswith("PORTFOLIO_CREDENTIALS (Key Vault secret PORTFOLIO--CREDENTIALS)")
    assert "'main' (binance) needs api_key, secret" in message and "'okx_one' (okx) needs password" in message
    assert "TOPSECRET" not in message


def test_a_broken_portfolio_setting_never_stops_the_candle_service(monkeypatch) -> None:
    monkeypatch.setenv("PORTFOLIO_ACCOUNTS", "[{broken")
    monkeypatch.setenv("PORTFOLIO_CONCURRENCY", "many")
    assert load_settings(local_settings_file=None).ccxt.exchanges  # the candle service starts
    with pytest.raises(ConfigurationError):
        load(monkeypatch)


def test_account_clients_never_carry_the_candle_services_keys(monkeypatch) -> None:
    settings = load(
        monkeypatch, PORTFOLIO_ACCOUNTS=json.dumps(ACCOUNTS), PORTFOLIO_CREDENTIALS=json.dumps(CREDS)
    )
    ccxt = CcxtSettings(
        exchanges=["binance", "okx"],
        default_exchange="binance",
        credentials={"binance": {"api_key": "candle-key", "secret": "candle-secret"}},
        exchange_options={"binance": {"timeout": 1234}},
    )
    config = account_config(ccxt, "binance", account_keys(settings)["main"])
    assert (config["apiKey"], config["secret"], config["timeout"]) == ("k-main", "s-main", 1234)
    assert config["options"]["fetchMargins"] is False and config["verbose"] is False
    assert "candle-key" not in str(config) and "candle-secret" not in str(config)
