"""The two settings sources pydantic-settings does not configure by itself.

* ``LocalSettingsJsonSource``: the ``Values`` of ``local.settings.json``, read like environment
  variables, for running outside the Functions host (the host itself exports them as environment).
* ``KeyVaultSource``: pydantic-settings' ``AzureKeyVaultSettingsSource`` with ``dash_to_underscore``,
  so the secret ``STORAGE--AZURE-CONNECTION-STRING`` fills ``storage.azure_connection_string``
  (group ``--`` field, every ``_`` written as ``-``; top-level settings are ``MAX-REQUEST-CANDLES``).
  Its only change is that the ``SecretClient`` comes from a factory, so tests pass a stub client.
  That needs the one override of a private pydantic-settings method (``_load_env_vars``): the parent
  builds ``SecretClient`` from a module global there, and ``AzureKeyVaultMapping`` lists the secrets
  as it is built, so nothing public can swap the client. pyproject.toml pins pydantic-settings to the
  minor this was written against, and tests/settings/test_key_vault_override.py fails when the
  parent method changes.

``SourceOptions`` carries the injectable parts (credential, client factory, file path) from
``load_settings`` to ``Settings.settings_customise_sources`` through a context variable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings.sources import AzureKeyVaultSettingsSource
from pydantic_settings.sources.providers.azure import AzureKeyVaultMapping
from pydantic_settings.sources.utils import parse_env_vars

from shared.errors import ConfigurationError

SecretClientFactory = Callable[[str, Any], Any]


@dataclass(frozen=True)
class SourceOptions:
    """credential: a ``TokenCredential`` for Key Vault (default ``DefaultAzureCredential()``, made only
    when ``KEY_VAULT_URL`` is set). secret_client_factory: ``(vault_url, credential) -> SecretClient``.
    local_settings_file: where ``local.settings.json`` is looked for (None: not read at all)."""

    credential: Any = None
    secret_client_factory: SecretClientFactory | None = None
    local_settings_file: Path | None = Path("local.settings.json")


SOURCE_OPTIONS: ContextVar[SourceOptions] = ContextVar("settings_source_options", default=SourceOptions())  # noqa: B039 (frozen)


def read_local_settings_values(path: Path | None) -> dict[str, str]:
    """``Values`` of a local.settings.json as strings; {} when the file is absent."""
    if path is None or not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ConfigurationError(f"{path.name}: cannot be read as JSON{where}") from None
    values = document.get("Values", {}) if isinstance(document, dict) else None
    if not isinstance(values, dict):
        raise ConfigurationError(f'{path.name}: "Values" must be a JSON object of setting names to strings')
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items() if v is not None}


class LocalSettingsJsonSource(EnvSettingsSource):
    """Environment-variable semantics (names, nesting, empty = unset) over a file's ``Values``."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path
        # ``env_vars`` is the public mapping the parent reads fields from (it filled it from os.environ)
        values = read_local_settings_values(path)
        self.env_vars = parse_env_vars(
            values, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def __repr__(self) -> str:
        return f"LocalSettingsJsonSource(path={str(self.path)!r})"


def default_secret_client(vault_url: str, credential: Any) -> Any:
    from azure.keyvault.secrets import SecretClient

    return SecretClient(vault_url=vault_url, credential=credential)


class KeyVaultSource(AzureKeyVaultSettingsSource):
    def __init__(
        self,
        settings_cls: type[BaseSettings],
        url: str,
        credential: Any,
        secret_client_factory: SecretClientFactory | None = None,
    ) -> None:
        # set before super().__init__, which calls _load_env_vars; our own copies, not the parent's privates
        self.vault_url, self.credential = url, credential
        self.client_factory = secret_client_factory or default_secret_client
        super().__init__(settings_cls, url, credential, dash_to_underscore=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The parent builds ``SecretClient(...)`` from a module global here; this override is the same
        # mapping with the client taken from the factory (the one seam for a stub client in tests).
        return AzureKeyVaultMapping(
            secret_client=self.client_factory(self.vault_url, self.credential),
            case_sensitive=self.case_sensitive,
            snake_case_conversion=False,
            env_prefix=self.env_prefix,
            env_parse_none_str=self.env_parse_none_str,
        )


def default_credential() -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()
