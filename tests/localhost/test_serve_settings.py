"""``cbdata serve`` without a Web PubSub connection string generates one for its stand-in and passes it
to the settings as an override: the process environment stays as it was (tests run in any order)."""

from __future__ import annotations

import os

from shared.localhost.serve import settings_for


def test_the_generated_connection_string_is_a_setting_not_an_environment_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no local.settings.json here
    monkeypatch.delenv("WebPubSubConnectionString", raising=False)
    monkeypatch.setenv("STORAGE_TYPE", "local")
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    before = dict(os.environ)
    settings = settings_for("127.0.0.1", 40123)
    assert settings.webpubsub_connection_string is not None
    connection = settings.webpubsub_connection_string.get_secret_value()
    assert connection.startswith("Endpoint=http://127.0.0.1:40123;AccessKey=")
    assert dict(os.environ) == before
    assert (
        settings_for("127.0.0.1", 40123).webpubsub_connection_string != settings.webpubsub_connection_string
    )


def test_a_configured_connection_string_is_kept(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    configured = "Endpoint=http://127.0.0.1:1;AccessKey=a2V5LWtleS1rZXk=;Version=1.0;"
    monkeypatch.setenv("WebPubSubConnectionString", configured)
    monkeypatch.setenv("STORAGE_TYPE", "local")
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    settings = settings_for("127.0.0.1", 40123)
    assert settings.webpubsub_connection_string is not None
    assert settings.webpubsub_connection_string.get_secret_value() == configured
