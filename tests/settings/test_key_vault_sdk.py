"""The real ``SecretClient`` (challenge auth, paging, models) behind our Key Vault source, with the
stub credential and an in-process transport that plays the vault: no network at all."""

from __future__ import annotations

import io
import json
from typing import Any

import requests
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._requests_basic import RestRequestsTransportResponse
from azure.keyvault.secrets import SecretClient

from shared.settings import load_settings
from tests.settings.key_vault_stub import StubCredential

VAULT = "https://example-vault.vault.azure.net"
CHALLENGE = (
    'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"'
)


class FakeVaultTransport(HttpTransport):
    """Answers like Key Vault: 401 + challenge without a token, else the list / get endpoints."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets
        self.authorizations: list[str | None] = []

    def __enter__(self) -> FakeVaultTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> Any:
        auth = request.headers.get("Authorization")
        self.authorizations.append(auth)
        response = requests.Response()
        response.url = request.url
        if not auth:
            response.status_code, body = 401, b""
            response.headers["WWW-Authenticate"] = CHALLENGE
        else:
            path = request.url.split("?")[0].removeprefix(VAULT)
            if path == "/secrets":
                items = [
                    {"id": f"{VAULT}/secrets/{n}", "attributes": {"enabled": True}} for n in self.secrets
                ]
                document: dict[str, Any] = {"value": items, "nextLink": None}
            else:
                name = path.split("/")[2]
                document = {"id": f"{VAULT}/secrets/{name}/1", "value": self.secrets[name], "attributes": {}}
            response.status_code, body = 200, json.dumps(document).encode()
            response.headers["Content-Type"] = "application/json"
        response._content, response.raw = body, io.BytesIO(body)
        return RestRequestsTransportResponse(request=request, internal_response=response)


def test_real_secret_client_with_stub_credential() -> None:
    transport = FakeVaultTransport(
        {"LOG--LEVEL": "error", "STORAGE--AZURE-CONNECTION-STRING": "UseDevelopmentStorage=true"}
    )
    s = load_settings(
        key_vault_url=VAULT + "/",
        credential=StubCredential(),
        secret_client_factory=lambda url, credential: SecretClient(url, credential, transport=transport),
    )
    assert s.log.level == "ERROR"
    assert s.storage.azure_connection_string is not None
    assert s.storage.azure_connection_string.get_secret_value() == "UseDevelopmentStorage=true"
    assert transport.authorizations[0] is None  # the challenge round trip
    assert set(transport.authorizations[1:]) == {"Bearer stub-token"}  # the stub credential's token
