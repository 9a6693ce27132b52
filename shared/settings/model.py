"""Typed settings for the whole service (pydantic-settings). See docs/configuration.md.

Environment variable names are flat: a group prefix, then the field (``STORAGE_TYPE``,
``CCXT_EXCHANGES``, ``SYNC_BACKFILL_DAYS``...). Sources, highest priority first: constructor
arguments, the environment (how the Functions host passes ``local.settings.json`` ``Values``), a
``.env`` file, the ``Values`` of ``./local.settings.json`` (running outside the host), Azure Key
Vault when ``KEY_VAULT_URL`` is set (the secret ``STORAGE--AZURE-CONNECTION-STRING`` fills
STORAGE_AZURE_CONNECTION_STRING), then defaults. An empty value counts as unset. ``load_settings``
is the one entry point: any wrong value becomes one ``ConfigurationError`` naming the variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic import field_validator as check
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from shared.errors import ConfigurationError
from shared.settings import groups
from shared.settings.errors import secret_env_names, to_configuration_error
from shared.settings.groups import DEFAULT_FETCH_CLAIM_TTL_SECONDS, DEFAULT_HUB, HUB_PATTERN
from shared.settings.parsing import SettingValueError as Bad
from shared.settings.parsing import check_url, is_url
from shared.settings.sources import (
    SOURCE_OPTIONS,
    KeyVaultSource,
    LocalSettingsJsonSource,
    SecretClientFactory,
    SourceOptions,
    default_credential,
)

__all__ = ["GROUPS", "SECRET_SETTINGS", "Settings", "load_settings"]  # the package re-exports the groups


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        hide_input_in_errors=True,
    )

    storage: groups.StorageSettings = Field(default_factory=groups.StorageSettings)
    ccxt: groups.CcxtSettings = Field(default_factory=groups.CcxtSettings)
    sync: groups.SyncSettings = Field(default_factory=groups.SyncSettings)
    log: groups.LogSettings = Field(default_factory=groups.LogSettings)

    key_vault_url: str | None = None
    # Bulk candle archives tried before REST for complete past days (Binance: data.binance.vision).
    archive_enabled: bool = True
    binance_archive_url: str = "https://data.binance.vision"
    max_request_candles: int = Field(default=1_000_000, ge=1)
    # how long a fetch claim lasts unless renewed (its holder renews it every third of this)
    fetch_claim_ttl_seconds: float = Field(default=DEFAULT_FETCH_CLAIM_TTL_SECONDS, ge=5, le=3600)
    http_max_candles: int = Field(default=100_000, ge=1)
    webpubsub_hub: str = Field(default=DEFAULT_HUB, pattern=HUB_PATTERN)
    # The Web PubSub extension's own setting name; the service SDK reads the same value to send messages.
    webpubsub_connection_string: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("WebPubSubConnectionString", "webpubsub_connection_string"),
    )
    # Identity-based alternative (the extension's own `<connection>__serviceUri`): the app then sends and
    # mints client tokens with DefaultAzureCredential (managed identity; AZURE_CLIENT_ID picks a
    # user-assigned one). Used only when no connection string is set.
    webpubsub_service_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("WebPubSubConnectionString__serviceUri", "webpubsub_service_uri"),
    )
    # The Functions host's own storage setting: the historical job queue lives there (health checks it).
    azure_webjobs_storage: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AzureWebJobsStorage", "azure_webjobs_storage")
    )
    # ... or identity-based, as the Bicep sets it (shared.health.job_queue reads the queue either way)
    azure_webjobs_storage_queue_service_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "AzureWebJobsStorage__queueServiceUri", "azure_webjobs_storage_queue_service_uri"
        ),
    )
    azure_webjobs_storage_account_name: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "AzureWebJobsStorage__accountName", "azure_webjobs_storage_account_name"
        ),
    )
    azure_webjobs_storage_credential: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AzureWebJobsStorage__credential", "azure_webjobs_storage_credential"),
    )
    azure_webjobs_storage_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AzureWebJobsStorage__clientId", "azure_webjobs_storage_client_id"),
    )
    webpubsub_max_requests_per_connection: int = Field(default=2, ge=1, le=100)
    request_max_bytes: int = Field(default=65_536, ge=1_024, le=10_485_760)
    # keys of the local host (`cbdata serve`): generated and printed at start-up when unset
    local_function_key: SecretStr | None = None
    local_master_key: SecretStr | None = None
    # bounds of the local host's Web PubSub stand-in (shared.localhost.webpubsub.limits)
    local_webpubsub_max_connections: int = Field(default=1_000, ge=1, le=100_000)
    local_webpubsub_max_unacked_bytes: int = Field(default=256 * 1024 * 1024, ge=1_048_576)
    local_webpubsub_send_buffer_bytes: int = Field(default=16 * 1024 * 1024, ge=65_536)
    local_webpubsub_send_timeout_seconds: float = Field(default=10.0, gt=0, le=600)

    _vault_url = check("key_vault_url")(classmethod(lambda cls, v: check_url(v, https_only=True)))
    _webpubsub_uri = check("webpubsub_service_uri")(
        classmethod(lambda cls, v: check_url(v, example="https://<name>.webpubsub.azure.com"))
    )
    _archive_url = check("binance_archive_url")(
        classmethod(lambda cls, v: check_url(v, example="https://data.binance.vision"))
    )

    @model_validator(mode="after")
    def _targets_on_known_exchanges(self) -> Settings:
        unknown = [str(t) for t in self.sync.targets if t.exchange not in self.ccxt.exchanges]
        if unknown:
            msg = f"targets must use exchanges from CCXT_EXCHANGES; not listed there: {', '.join(unknown)}"
            raise Bad(msg, env="SYNC_TARGETS")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        options = SOURCE_OPTIONS.get()
        sources = [init_settings, env_settings, dotenv_settings]
        sources.append(LocalSettingsJsonSource(settings_cls, options.local_settings_file))
        url = next((u for s in sources if isinstance(u := s().get("key_vault_url"), str) and u), None)
        if url and is_url(url, https_only=True):
            credential = options.credential or default_credential()
            sources.append(KeyVaultSource(settings_cls, url, credential, options.secret_client_factory))
        return tuple(sources)


GROUPS = ("storage", "ccxt", "sync", "log")
SECRET_SETTINGS = secret_env_names(Settings)  # {"STORAGE_AZURE_CONNECTION_STRING", "CCXT_CREDENTIALS"}


def load_settings(
    *,
    credential: Any = None,
    secret_client_factory: SecretClientFactory | None = None,
    local_settings_file: Path | None = Path("local.settings.json"),
    **overrides: Any,
) -> Settings:
    """Read and check every setting once, at start-up (blocking: Key Vault is read synchronously).

    ``overrides`` are field values (``storage={"type": "local"}``) and win over every source.
    Raises ``ConfigurationError`` naming each wrong setting by its environment-variable name."""
    from azure.core.exceptions import AzureError

    token = SOURCE_OPTIONS.set(SourceOptions(credential, secret_client_factory, local_settings_file))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise to_configuration_error(exc, GROUPS, SECRET_SETTINGS) from None
    except SettingsError as exc:
        raise ConfigurationError(str(exc)) from None
    except AzureError as exc:
        raise ConfigurationError(
            f"KEY_VAULT_URL: cannot read secrets from the vault ({type(exc).__name__})"
        ) from None
    finally:
        SOURCE_OPTIONS.reset(token)
