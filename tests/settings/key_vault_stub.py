"""A stand-in for ``azure.keyvault.secrets.SecretClient`` and a token credential: no network.

It answers the two calls ``AzureKeyVaultSettingsSource`` makes (``list_properties_of_secrets`` and
``get_secret``) from a dict, and records which secrets were read and which credential it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.exceptions import ResourceNotFoundError


class StubCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("stub-token", 4_102_444_800)


@dataclass
class _Properties:
    name: str
    enabled: bool


@dataclass
class _Secret:
    name: str
    value: str


@dataclass
class StubSecretClient:
    secrets: dict[str, str]
    disabled: set[str] = field(default_factory=set)
    vault_url: str | None = None
    credential: Any = None
    read: list[str] = field(default_factory=list)

    def list_properties_of_secrets(self) -> list[_Properties]:
        return [_Properties(name, name not in self.disabled) for name in self.secrets]

    def get_secret(self, name: str) -> _Secret:
        if name not in self.secrets:
            raise ResourceNotFoundError(f"secret {name} not found")
        self.read.append(name)
        return _Secret(name, self.secrets[name])

    def factory(self, vault_url: str, credential: Any) -> StubSecretClient:
        """Pass as ``secret_client_factory``; remembers what the source gave it."""
        self.vault_url, self.credential = vault_url, credential
        return self
