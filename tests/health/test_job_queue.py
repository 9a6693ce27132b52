"""The job-queue part with ``AzureWebJobsStorage`` identity-based (as the Bicep sets it): the settings
it reads, the client it builds, and a check that asks the managed identity for a storage token.

Azurite cannot do AAD, so the identity is a loopback App Service identity endpoint (what
``ManagedIdentityCredential`` calls when ``IDENTITY_ENDPOINT`` is set) and the queue endpoint is an
``https`` loopback port nobody listens on: the part must ask for the token with the configured
client id, then report the queue unreachable.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

from shared.api.health import health
from shared.health import DOWN
from shared.health.job_queue import JobQueueAccess, job_queue_access, queue_client, token_credential
from tests.health.test_health import QUEUE, assert_nothing_secret, make

CLIENT_ID = "5b1c8d36-0000-4000-8000-00000000c11d"
QUEUE_URI = "https://127.0.0.1:9/devstoreaccount1"  # https: token credentials refuse plain http


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("UseDevelopmentStorage=true", QUEUE_URI),
            JobQueueAccess(connection_string="UseDevelopmentStorage=true"),
        ),
        (
            (None, QUEUE_URI + "/", None, "managedidentity", CLIENT_ID),
            JobQueueAccess(account_url=QUEUE_URI, credential="managedidentity", client_id=CLIENT_ID),
        ),
        (
            (None, None, "acct", "", ""),
            JobQueueAccess(account_url="https://acct.queue.core.windows.net"),
        ),
        ((None, "", ""), None),
        ((None,), None),
    ],
)
def test_access_follows_the_hosts_forms(args, expected):
    assert job_queue_access(*args) == expected


async def test_the_credential_follows_the_hosts_credential_setting():
    managed = token_credential(JobQueueAccess(account_url=QUEUE_URI, credential="managedidentity"))
    default = token_credential(JobQueueAccess(account_url=QUEUE_URI, client_id=CLIENT_ID))
    try:
        assert isinstance(managed, ManagedIdentityCredential)
        assert isinstance(default, DefaultAzureCredential)
    finally:
        await managed.close()
        await default.close()


async def test_the_client_is_built_at_the_account_url_with_the_credential():
    access = JobQueueAccess(account_url=QUEUE_URI, credential="managedidentity", client_id=CLIENT_ID)
    credential = token_credential(access)
    client = queue_client(access, QUEUE, {"retry_total": 0}, credential)
    async with client:
        assert client.url == f"{QUEUE_URI}/{QUEUE}"
        assert client.queue_name == QUEUE and client.credential is credential
    await credential.close()
    with pytest.raises(ValueError):
        queue_client(access, QUEUE, {}, None)


@pytest.fixture
async def identity_endpoint(monkeypatch):
    """A loopback App Service managed-identity endpoint that records what it was asked."""
    asked: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        asked.append({**request.query, "header": request.headers.get("X-IDENTITY-HEADER", "")})
        return web.json_response(
            {
                "access_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.c2ln",
                "expires_on": "4102444800",
                "resource": request.query.get("resource", ""),
                "token_type": "Bearer",
            }
        )

    app = web.Application()
    app.router.add_get("/msi/token", token)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{port}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "identity-header-probe")
    yield asked
    await runner.cleanup()


async def test_identity_based_settings_get_a_queue_part_that_uses_the_identity(
    identity_endpoint, local_backend, exchange_registry, exchange_emulator, exchange_settings
):
    _, get = make(
        local_backend,
        exchange_registry,
        exchange_emulator,
        exchange_settings,
        AzureWebJobsStorage__queueServiceUri=QUEUE_URI,
        AzureWebJobsStorage__credential="managedidentity",
        AzureWebJobsStorage__clientId=CLIENT_ID,
    )
    status, body = await health(get, queue_name=QUEUE)
    assert status == 200
    assert body["parts"]["queue"] == {"status": DOWN, "code": "QUEUE_UNREACHABLE", "queue": QUEUE}
    assert identity_endpoint, "the managed identity was never asked for a token"
    assert identity_endpoint[0]["client_id"] == CLIENT_ID
    assert identity_endpoint[0]["resource"].startswith("https://storage.azure.com")
    assert identity_endpoint[0]["header"] == "identity-header-probe"
    assert_nothing_secret(body)
