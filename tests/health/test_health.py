"""``/api/health``: one status per part (storage, job queue, Web PubSub settings; exchanges on the
admin-only deep check), each ok / degraded / down with a code, answered within its deadline whatever
a part does, naming no endpoint, account or key."""

from __future__ import annotations

import json

import pytest

from shared.api.health import health
from shared.health import overall
from shared.health.parts import DEGRADED, DOWN, OK, Part
from tests.fixtures.azurite import DEV_ACCOUNT, DEV_ACCOUNT_KEY
from tests.fixtures.services import build_services
from tests.storage.test_deadlines import SilentEndpoint

QUEUE = "historical-requests"


def make(backend, exchange_registry, exchange_emulator, exchange_settings, **overrides):
    services = build_services(backend, exchange_registry, exchange_emulator, exchange_settings, **overrides)

    async def get():
        return services

    return services, get


def assert_nothing_secret(body: dict) -> None:
    text = json.dumps(body)
    for word in ("127.0.0.1", "http", DEV_ACCOUNT, DEV_ACCOUNT_KEY, "AccessKey", "AccountKey"):
        assert word not in text


def test_overall_is_down_only_when_storage_is_down():
    ok, down = Part("storage", OK, "OK"), Part("storage", DOWN, "STORAGE_UNREACHABLE")
    queue_down, wps_degraded = Part("queue", DOWN, "QUEUE_UNREACHABLE"), Part("webpubsub", DEGRADED, "X")
    assert overall([ok]) == OK
    assert overall([ok, queue_down]) == DEGRADED
    assert overall([ok, wps_degraded]) == DEGRADED
    assert overall([down, wps_degraded]) == DOWN


async def test_every_configured_part_ok(
    backend, exchange_registry, exchange_emulator, exchange_settings, azurite_queue
):
    _, get = make(
        backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        AzureWebJobsStorage=azurite_queue.connection_string,
        WebPubSubConnectionString="Endpoint=http://127.0.0.1:1;AccessKey=a2V5;Version=1.0;",
    )
    status, body = await health(get, queue_name=QUEUE)
    assert status == 200 and body["status"] == OK
    assert body["parts"] == {
        "storage": {"status": OK, "code": "OK", "type": "local"},
        "queue": {"status": OK, "code": "OK", "queue": QUEUE, "messages": 0},
        "webpubsub": {"status": OK, "code": "OK", "hub": "marketdata"},
    }
    assert_nothing_secret(body)


async def test_a_queue_with_messages_reports_its_backlog(
    local_backend, exchange_registry, exchange_emulator, exchange_settings, azurite_queue
):
    from azure.storage.queue.aio import QueueClient

    queue = "backlog-probe"
    async with QueueClient.from_connection_string(azurite_queue.connection_string, queue) as client:
        await client.create_queue()
        for n in range(3):
            await client.send_message(f"job {n}")
    _, get = make(
        local_backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        AzureWebJobsStorage=azurite_queue.connection_string,
    )
    _, body = await health(get, queue_name=queue)
    assert body["parts"]["queue"] == {"status": OK, "code": "OK", "queue": queue, "messages": 3}


async def test_dead_queue_and_bad_webpubsub_settings_degrade_but_do_not_stop(
    local_backend, exchange_registry, exchange_emulator, exchange_settings
):
    dead = (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_ACCOUNT_KEY};"
        f"QueueEndpoint=http://127.0.0.1:9/{DEV_ACCOUNT};"
    )
    _, get = make(
        local_backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        AzureWebJobsStorage=dead,
        WebPubSubConnectionString="Endpoint=ftp://x;AccessKey=;Version=1.0;",
    )
    status, body = await health(get, queue_name=QUEUE)
    assert status == 200 and body["status"] == DEGRADED
    assert body["parts"]["storage"]["status"] == OK
    assert body["parts"]["queue"] == {"status": DOWN, "code": "QUEUE_UNREACHABLE", "queue": QUEUE}
    assert body["parts"]["webpubsub"] == {"status": DOWN, "code": "CONFIGURATION_ERROR", "hub": "marketdata"}
    assert_nothing_secret(body)


async def test_storage_that_never_answers_is_down_within_the_deadline(
    exchange_registry, exchange_emulator, exchange_settings
):
    from pydantic import SecretStr

    from shared.settings import StorageSettings
    from shared.storage.blob_backend import BlobBackend

    async with SilentEndpoint() as silent:
        connection = (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{silent.port}/{DEV_ACCOUNT};"
        )
        settings = StorageSettings(
            type="azure", azure_connection_string=SecretStr(connection), azure_read_timeout_seconds=600
        )
        backend = BlobBackend.from_settings(settings)
        try:
            _, get = make(backend, exchange_registry, exchange_emulator, exchange_settings)
            status, body = await health(get, deadline=0.5)
        finally:
            await backend.close()
    assert silent.connections >= 1  # it was asked, and never answered
    assert status == 503 and body["status"] == DOWN
    assert body["parts"]["storage"]["code"] == "STORAGE_TIMEOUT"
    assert_nothing_secret(body)


async def test_a_service_that_cannot_start_is_down_with_its_code(
    local_backend, exchange_registry, exchange_emulator, exchange_settings
):
    from shared.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as err:  # what runtime.services() raises for it
        build_services(
            local_backend,
            exchange_registry,
            exchange_emulator,
            exchange_settings,
            WebPubSubConnectionString="Endpoint=;Version=1.0;",
        )
    assert "AccessKey=...;" in err.value.message and "Endpoint=;" not in err.value.message

    async def cannot_start():
        raise err.value

    assert await health(cannot_start) == (503, {"status": DOWN, "code": "CONFIGURATION_ERROR"})


async def test_unreachable_storage_is_down_with_a_code(
    tmp_path, exchange_registry, exchange_emulator, exchange_settings
):
    from shared.storage.local_backend import LocalFileBackend

    (tmp_path / "blocker").write_text("a file where the root folder should be")
    backend = LocalFileBackend(tmp_path / "blocker" / "root")
    _, get = make(backend, exchange_registry, exchange_emulator, exchange_settings)
    status, body = await health(get)
    assert status == 503 and body["status"] == DOWN
    assert body["parts"]["storage"] == {"status": DOWN, "code": "STORAGE_UNREACHABLE", "type": "local"}


async def test_deep_check_calls_each_enabled_exchange_once(
    local_backend, exchange_registry, exchange_emulator, exchange_settings
):
    _, get = make(local_backend, exchange_registry, exchange_emulator, exchange_settings)
    _, shallow = await health(get)
    assert not any(name.startswith("exchange:") for name in shallow["parts"])
    assert exchange_emulator.request_count() == 0
    exchange_emulator.inject("okx", "status", status=503, endpoint="*", count=100)
    status, body = await health(get, deep=True)
    assert status == 200 and body["status"] == DEGRADED
    assert body["parts"]["exchange:binance"] == {"status": OK, "code": "OK"}
    assert body["parts"]["exchange:okx"]["status"] == DOWN
    assert body["parts"]["exchange:okx"]["code"] == "EXCHANGE_ERROR"
    assert exchange_emulator.request_count("binance") == 1  # one cheap call, no retries
