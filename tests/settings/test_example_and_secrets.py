"""local.settings.json.example is complete and valid; secrets never show in repr, errors or logs."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.errors import ConfigurationError
from shared.settings import SECRET_SETTINGS, Settings, load_settings
from tests.settings.conftest import env_names
from tests.settings.key_vault_stub import StubCredential, StubSecretClient

EXAMPLE = Path(__file__).resolve().parents[2] / "local.settings.json.example"
SECRET = "Sup3r-S3cret-Value-7731"


def test_example_has_every_setting_and_validates(tmp_path: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert document["IsEncrypted"] is False
    values = document["Values"]
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert all(isinstance(v, str) for v in values.values())  # the host wants strings
    missing = [name for name in env_names() if name not in values]
    assert missing == []
    shutil.copy(EXAMPLE, tmp_path / "local.settings.json")
    s = load_settings()
    assert s.storage.type == "local" and s.key_vault_url is None
    assert [str(t) for t in s.sync.targets] == values["SYNC_TARGETS"].split(",")
    assert s.ccxt.exchanges == values["CCXT_EXCHANGES"].split(",")


def test_secret_settings_are_known() -> None:
    assert {
        "STORAGE_AZURE_CONNECTION_STRING",
        "CCXT_CREDENTIALS",
        "WebPubSubConnectionString",
        "LOCAL_FUNCTION_KEY",
        "LOCAL_MASTER_KEY",
        "AzureWebJobsStorage",
    } == SECRET_SETTINGS


def test_secrets_never_in_repr_str_or_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_AZURE_CONNECTION_STRING", f"AccountKey={SECRET}")
    monkeypatch.setenv(
        "CCXT_CREDENTIALS",
        json.dumps({"binance": {"api_key": SECRET, "secret": SECRET, "password": SECRET, "uid": SECRET}}),
    )
    s = load_settings()
    for text in (repr(s), str(s), s.model_dump_json(), repr(s.model_dump()), repr(s.ccxt.credentials)):
        assert SECRET not in text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CCXT_CREDENTIALS", json.dumps({"binance": {"apikey": SECRET}})),
        ("CCXT_CREDENTIALS", json.dumps({"binance": {"api_key": [SECRET]}})),
        ("CCXT_CREDENTIALS", json.dumps({"ftx": {"api_key": SECRET}})),
        ("CCXT_CREDENTIALS", '{"binance": {"api_key": "' + SECRET),
        ("CCXT_CREDENTIALS", json.dumps([SECRET])),
        ("CCXT_CREDENTIALS", json.dumps({"binance": SECRET})),
    ],
)
def test_secrets_never_in_error_messages(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert name in caught.value.message
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value.details)
    # Even pydantic's own error (building Settings directly) hides the input.
    with pytest.raises(ValidationError) as raw:
        Settings()
    assert SECRET not in str(raw.value)


def test_wrong_type_for_a_secret_override_is_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(storage={"azure_connection_string": ["AccountKey=" + SECRET]})
    assert caught.value.message.startswith("STORAGE_AZURE_CONNECTION_STRING: ")
    assert SECRET not in str(caught.value)


def test_secrets_never_in_logs_while_loading_from_key_vault(caplog: pytest.LogCaptureFixture) -> None:
    client = StubSecretClient(
        {"STORAGE--AZURE-CONNECTION-STRING": SECRET, "CCXT--CREDENTIALS": "{bad " + SECRET}
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(
            key_vault_url="https://v.vault.azure.net/",
            credential=StubCredential(),
            secret_client_factory=client.factory,
        )
    assert "CCXT_CREDENTIALS" in caught.value.message and SECRET not in str(caught.value)
    logging.getLogger("shared").info("settings: %r", Settings(storage={"azure_connection_string": SECRET}))
    assert SECRET not in caplog.text
