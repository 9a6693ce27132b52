"""Every setting the app reads is set by the templates or documented as optional with its default; the
templates, host.json and the function bindings agree on names; and the app still starts with none."""

from __future__ import annotations

import json

from shared.settings import Settings, load_settings
from tests.functions.registered import functions
from tests.infra.app_settings import (
    app_sources,
    bicep_app_settings,
    documented_defaults,
    environ_reads,
    settings_env_names,
)
from tests.infra.bicep import INFRA, ROOT, parameter_default

MAIN = INFRA / "main.bicep"
STORAGE = INFRA / "app" / "storage.bicep"
WEBPUBSUB = INFRA / "app" / "webpubsub.bicep"


def _all_bindings() -> list[dict]:
    return [b for f in functions().values() for b in json.loads(f.get_function_json())["bindings"]]


def test_the_walk_finds_the_settings_we_know():
    names = settings_env_names()
    assert {"STORAGE_TYPE", "CCXT_EXCHANGES", "SYNC_SCHEDULE", "WEBPUBSUB_HUB", "KEY_VAULT_URL"} <= names
    assert {"WebPubSubConnectionString", "WebPubSubConnectionString__serviceUri"} <= names
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in environ_reads(app_sources())


def test_every_setting_read_is_set_by_bicep_or_documented_with_a_default():
    set_by_bicep = set(bicep_app_settings())
    documented = documented_defaults()
    read = settings_env_names() | environ_reads(app_sources())
    missing = sorted(n for n in read if n not in set_by_bicep and not documented.get(n))
    assert missing == [], "set these in infra/app/function.bicep or document them in docs/configuration.md"


def test_every_setting_bicep_sets_is_known():
    """A typo in a Bicep setting name would silently leave the app on its default."""
    known = settings_env_names() | environ_reads(app_sources()) | set(documented_defaults())
    platform = {"AZURE_CLIENT_ID", "PYTHON_ENABLE_OPENTELEMETRY", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"}
    connections = {
        n
        for n in bicep_app_settings()
        if n.startswith(("AzureWebJobsStorage__", "WebPubSubConnectionString__"))
    }
    unknown = set(bicep_app_settings()) - known - platform - connections
    assert unknown == set()
    premium_only = set(bicep_app_settings(premium=True)) - set(bicep_app_settings())
    assert premium_only == {
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_RUNTIME",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "ENABLE_ORYX_BUILD",
    }


def test_every_timer_schedule_is_an_app_setting_bicep_sets():
    """The host resolves %NAME% schedules at indexing: an unset one stops every function loading."""
    schedules = sorted(b["schedule"] for b in _all_bindings() if b["type"] == "timerTrigger")
    assert "%SYNC_SCHEDULE%" in schedules
    settings = bicep_app_settings()
    for schedule in schedules:
        assert schedule.startswith("%") and schedule.endswith("%"), f"{schedule}: make it an app setting"
        assert schedule.strip("%") in settings
    default = Settings.model_fields["sync"].default_factory().schedule  # type: ignore[misc]
    assert settings["SYNC_SCHEDULE"] == "syncSchedule" and parameter_default(MAIN, "syncSchedule") == default


def test_hub_agrees_between_bindings_bicep_and_settings():
    hubs = {b["hub"] for b in _all_bindings() if b["type"].startswith("webPubSub")}
    default = Settings.model_fields["webpubsub_hub"].default
    assert hubs == {default}
    assert parameter_default(WEBPUBSUB, "hub") == default
    assert bicep_app_settings()["WEBPUBSUB_HUB"] == "webPubSubHub"
    hook = (INFRA / "hooks" / "postdeploy.sh").read_text()
    assert 'hub="${WEBPUBSUB_HUB:-' + default + '}"' in hook
    assert "/runtime/webhooks/webpubsub?code=" in hook and "systemKeys.webpubsub_extension" in hook


def test_queue_name_agrees_between_bindings_and_bicep():
    queues = {b["queueName"] for b in _all_bindings() if b["type"] in ("queue", "queueTrigger")}
    assert queues == {parameter_default(STORAGE, "jobQueueName")}
    storage = (STORAGE).read_text()
    assert "'${jobQueueName}-poison'" in storage  # where maxDequeueCount sends failed jobs


def test_connection_prefixes_are_identity_based_in_bicep():
    settings = bicep_app_settings()
    storage_connections = {b["connection"] for b in _all_bindings() if b["type"] in ("queue", "queueTrigger")}
    assert storage_connections == {"AzureWebJobsStorage"}
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert {"AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri"} <= set(settings)
    assert "AzureWebJobsStorage" not in settings  # no connection string with a key
    # Web PubSub bindings name no connection: the extension reads WebPubSubConnectionString.
    webpubsub = [b for b in _all_bindings() if b["type"].startswith("webPubSub")]
    assert webpubsub and all(
        b.get("connection", "WebPubSubConnectionString") == "WebPubSubConnectionString" for b in webpubsub
    )
    assert settings["WebPubSubConnectionString__credential"] == "managedidentity"
    assert settings["WebPubSubConnectionString__serviceUri"] == "webPubSubEndpoint"
    assert "WebPubSubConnectionString" not in settings


def test_data_container_agrees_with_the_settings_default():
    default = Settings.model_fields["storage"].default_factory().azure_container_name  # type: ignore[misc]
    assert parameter_default(STORAGE, "dataContainerName") == default


def test_host_json_sends_telemetry_through_opentelemetry():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["telemetryMode"] == "OpenTelemetry"
    assert host["extensions"]["queues"]["maxDequeueCount"] >= 1
    assert bicep_app_settings()["PYTHON_ENABLE_OPENTELEMETRY"] == "true"


def test_the_local_default_still_starts_with_no_azure_setting(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in settings_env_names() | environ_reads(app_sources()):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(local_settings_file=None)
    assert settings.storage.type == "local"
    assert settings.key_vault_url is None and settings.webpubsub_connection_string is None
