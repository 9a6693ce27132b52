"""Where settings come from and which source wins: init > env > .env > local.settings.json > Key Vault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError

from shared.errors import ConfigurationError
from shared.series import SeriesKey
from shared.settings import Settings, load_settings
from tests.settings.key_vault_stub import StubCredential, StubSecretClient

VAULT = "https://example-vault.vault.azure.net/"


def write_local_settings(directory: Path, values: dict[str, object]) -> Path:
    path = directory / "local.settings.json"
    path.write_text(json.dumps({"IsEncrypted": False, "Values": values}), encoding="utf-8")
    return path


def test_defaults_without_any_source() -> None:
    settings = load_settings()
    assert settings.storage.type == "local"
    assert settings.storage.local_root_path == Path("data")
    assert settings.storage.azure_container_name == "market-data"
    assert settings.ccxt.default_exchange == "cryptocom"
    assert settings.sync.schedule == "0 */30 * * * *"
    assert settings.sync.targets == []
    assert settings.log.level == "INFO"
    assert settings.key_vault_url is None


def test_environment_variables_fill_every_kind_of_field(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "STORAGE_TYPE": "azure",
        "STORAGE_AZURE_CONNECTION_STRING": "UseDevelopmentStorage=true",
        "STORAGE_AZURE_CONTAINER_NAME": "candles-test",
        "CCXT_EXCHANGES": " binance , kraken,,",
        "CCXT_DEFAULT_EXCHANGE": "kraken",
        "CCXT_EXCHANGE_OPTIONS": '{"binance": {"timeout": 10000, "options": {"defaultType": "spot"}}}',
        "CCXT_CREDENTIALS": '{"kraken": {"apiKey": "k-123", "secret": "s-456"}}',
        "CCXT_CLOSED_CANDLE_MARGIN_SECONDS": "2.5",
        "CCXT_RETRY_MAX_ATTEMPTS": "7",
        "SYNC_SCHEDULE": "0 0 * * * Mon-Fri",
        "SYNC_TARGETS": "binance:BTC/USDT:1m, kraken:ETH/USD:1h,binance:BTC/USDT:USDT:4h",
        "SYNC_BACKFILL_DAYS": "90",
        "SYNC_CONCURRENCY_PER_EXCHANGE": "4",
        "LOG_LEVEL": "debug",
        "MAX_REQUEST_CANDLES": "500000",
        "HTTP_MAX_CANDLES": "50000",
        "WEBPUBSUB_HUB": "candles",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s = load_settings()
    assert s.storage.type == "azure"
    assert s.storage.azure_connection_string is not None
    assert s.storage.azure_connection_string.get_secret_value() == "UseDevelopmentStorage=true"
    assert s.storage.azure_container_name == "candles-test"
    assert s.ccxt.exchanges == ["binance", "kraken"]
    assert s.ccxt.default_exchange == "kraken"
    assert s.ccxt.exchange_options == {"binance": {"timeout": 10000, "options": {"defaultType": "spot"}}}
    creds = s.ccxt.credentials["kraken"]
    assert creds.api_key is not None and creds.api_key.get_secret_value() == "k-123"
    assert creds.secret is not None and creds.secret.get_secret_value() == "s-456"
    assert s.ccxt.closed_candle_margin_seconds == 2.5
    assert s.ccxt.retry_max_attempts == 7
    assert s.sync.schedule == "0 0 * * * Mon-Fri"
    assert s.sync.targets == [
        SeriesKey("binance", "BTC/USDT", "1m"),
        SeriesKey("kraken", "ETH/USD", "1h"),
        SeriesKey("binance", "BTC/USDT:USDT", "4h"),
    ]
    assert (s.sync.backfill_days, s.sync.concurrency_per_exchange) == (90, 4)
    assert s.log.level == "DEBUG"
    assert (s.max_request_candles, s.http_max_candles, s.webpubsub_hub) == (500000, 50000, "candles")


def test_empty_value_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEY_VAULT_URL", "")
    monkeypatch.setenv("SYNC_TARGETS", "")
    monkeypatch.setenv("STORAGE_AZURE_CONNECTION_STRING", "")
    s = load_settings()
    assert s.key_vault_url is None and s.sync.targets == [] and s.storage.azure_connection_string is None


def test_dotenv_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=WARNING\nSYNC_BACKFILL_DAYS=12\nWEBPUBSUB_HUB=fromdotenv\n")
    monkeypatch.setenv("WEBPUBSUB_HUB", "fromenv")
    s = load_settings()
    assert (s.log.level, s.sync.backfill_days, s.webpubsub_hub) == ("WARNING", 12, "fromenv")


def test_local_settings_values_rank_below_env_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_local_settings(
        tmp_path,
        {
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "STORAGE_LOCAL_ROOT_PATH": "./from-local-settings",
            "SYNC_BACKFILL_DAYS": 5,  # a number in the file still reads like an env string
            "LOG_LEVEL": "ERROR",
            "WEBPUBSUB_HUB": "fromfile",
        },
    )
    (tmp_path / ".env").write_text("LOG_LEVEL=WARNING\n")
    monkeypatch.setenv("WEBPUBSUB_HUB", "fromenv")
    s = load_settings()
    assert s.storage.local_root_path == Path("from-local-settings")
    assert s.sync.backfill_days == 5
    assert s.log.level == "WARNING"
    assert s.webpubsub_hub == "fromenv"
    # Constructor overrides beat everything.
    assert load_settings(webpubsub_hub="frominit", log={"level": "DEBUG"}).webpubsub_hub == "frominit"


def test_local_settings_file_can_be_moved_or_switched_off(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    write_local_settings(other, {"SYNC_BACKFILL_DAYS": "9"})
    assert load_settings(local_settings_file=other / "local.settings.json").sync.backfill_days == 9
    write_local_settings(tmp_path, {"SYNC_BACKFILL_DAYS": "8"})
    assert load_settings().sync.backfill_days == 8
    assert load_settings(local_settings_file=None).sync.backfill_days == 30


@pytest.mark.parametrize("content", ["{not json", '{"Values": ["a"]}', "[]"])
def test_unreadable_local_settings_is_a_configuration_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "local.settings.json").write_text(content)
    with pytest.raises(ConfigurationError, match=r"local\.settings\.json"):
        load_settings()


def key_vault(**secrets: str) -> StubSecretClient:
    return StubSecretClient(dict(secrets))


def test_key_vault_secret_names_map_to_settings() -> None:
    client = StubSecretClient(
        {
            "STORAGE--TYPE": "azure",
            "STORAGE--AZURE-CONNECTION-STRING": "DefaultEndpointsProtocol=https;AccountKey=kv-secret",
            "CCXT--CREDENTIALS": '{"binance": {"api_key": "kv-key", "secret": "kv-secret-2"}}',
            "SYNC--TARGETS": "binance:BTC/USDT:1m",
            "MAX-REQUEST-CANDLES": "1234",
            "some-other-apps-secret": "ignored",
        }
    )
    credential = StubCredential()
    s = load_settings(key_vault_url=VAULT, credential=credential, secret_client_factory=client.factory)
    assert client.vault_url == VAULT and client.credential is credential
    assert s.storage.type == "azure"
    assert s.storage.azure_connection_string is not None
    assert s.storage.azure_connection_string.get_secret_value().endswith("AccountKey=kv-secret")
    api_key = s.ccxt.credentials["binance"].api_key
    assert api_key is not None and api_key.get_secret_value() == "kv-key"
    assert s.sync.targets == [SeriesKey("binance", "BTC/USDT", "1m")]
    assert s.max_request_candles == 1234


def test_key_vault_names_are_case_insensitive_and_disabled_secrets_ignored() -> None:
    client = StubSecretClient(
        {"log--level": "error", "WEBPUBSUB-HUB": "fromvault"}, disabled={"WEBPUBSUB-HUB"}
    )
    s = load_settings(key_vault_url=VAULT, credential=StubCredential(), secret_client_factory=client.factory)
    assert s.log.level == "ERROR" and s.webpubsub_hub == "marketdata"


def test_key_vault_ranks_below_every_other_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    client = StubSecretClient(
        {
            "LOG--LEVEL": "ERROR",
            "WEBPUBSUB-HUB": "fromvault",
            "SYNC--BACKFILL-DAYS": "3",
            "HTTP-MAX-CANDLES": "7",
        }
    )
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    write_local_settings(tmp_path, {"WEBPUBSUB_HUB": "fromfile", "KEY_VAULT_URL": VAULT})
    (tmp_path / ".env").write_text("SYNC_BACKFILL_DAYS=44\n")
    s = load_settings(credential=StubCredential(), secret_client_factory=client.factory)
    assert client.vault_url == VAULT  # the vault URL itself came from local.settings.json
    assert (s.log.level, s.webpubsub_hub, s.sync.backfill_days) == ("DEBUG", "fromfile", 44)
    assert s.http_max_candles == 7  # only the vault sets it: it beats the default


def test_key_vault_not_consulted_without_its_url() -> None:
    client = StubSecretClient({"LOG--LEVEL": "ERROR"})
    s = load_settings(credential=StubCredential(), secret_client_factory=client.factory)
    assert client.vault_url is None and client.read == [] and s.log.level == "INFO"


def test_default_credential_is_default_azure_credential() -> None:
    from azure.identity import DefaultAzureCredential

    client = StubSecretClient({})
    load_settings(key_vault_url=VAULT, secret_client_factory=client.factory)
    assert isinstance(client.credential, DefaultAzureCredential)


def test_key_vault_failure_is_one_configuration_error() -> None:
    def refuse(vault_url: str, credential: object) -> StubSecretClient:
        raise ClientAuthenticationError("no identity available")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(key_vault_url=VAULT, credential=StubCredential(), secret_client_factory=refuse)
    assert caught.value.message.startswith("KEY_VAULT_URL: cannot read secrets")
    assert caught.value.__cause__ is None


def test_settings_class_can_be_built_directly() -> None:
    assert Settings().storage.type == "local"


def test_the_web_pubsub_connection_string_uses_the_extension_setting_name(monkeypatch) -> None:
    from shared.settings import load_settings

    monkeypatch.setenv(
        "WebPubSubConnectionString", "Endpoint=http://127.0.0.1:1;AccessKey=c2VjcmV0;Version=1.0;"
    )
    settings = load_settings()
    assert settings.webpubsub_connection_string is not None
    assert "c2VjcmV0" not in repr(settings)
    assert settings.webpubsub_connection_string.get_secret_value().endswith("AccessKey=c2VjcmV0;Version=1.0;")
