"""The groups of settings (one pydantic model each): storage, ccxt (exchanges), sync, log.

Field ``x`` of group ``storage`` is the environment variable ``STORAGE_X``; see shared/settings/model.py
for how they are loaded and docs/configuration.md for what each one means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic import field_validator as check
from pydantic_settings import NoDecode

from shared.errors import ConfigurationError, DataServiceError
from shared.series import SeriesKey, validate_exchange
from shared.settings.parsing import SettingValueError as Bad
from shared.settings.parsing import (
    check_container_name,
    check_url,
    parse_json_object,
    parse_sync_targets,
    split_csv,
    validate_ncrontab,
)

_GROUP = ConfigDict(hide_input_in_errors=True)

# The Web PubSub hub name (WEBPUBSUB_HUB): what the service accepts, and the default. Written once here;
# the settings, the queued jobs and function_app.py's bindings use these two.
HUB_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,127}$"
DEFAULT_HUB = "marketdata"
# a fetch claim (shared/fetch/claims/) left by a crashed instance is taken over after this
DEFAULT_FETCH_CLAIM_TTL_SECONDS = 60.0

AZURE_ACCESS_NEEDED = (
    "STORAGE_TYPE=azure needs STORAGE_AZURE_CONNECTION_STRING or STORAGE_AZURE_ACCOUNT_URL "
    "(a connection string such as 'UseDevelopmentStorage=true', or "
    "https://<account>.blob.core.windows.net used with managed identity)"
)


class StorageSettings(BaseModel):
    model_config = _GROUP
    type: Literal["local", "azure"] = "local"
    local_root_path: Path = Path("./data")
    azure_connection_string: SecretStr | None = None  # "UseDevelopmentStorage=true" for Azurite
    azure_account_url: str | None = None  # managed identity (DefaultAzureCredential), no keys
    azure_container_name: str = "market-data"
    # Azure SDK deadlines (shared.storage.blob_options): a dead endpoint is reported in seconds,
    # not after the SDK's default backoff of 15 s, 18 s, 24 s (~80 s in all).
    azure_retry_total: int = Field(default=2, ge=0, le=10)
    azure_retry_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    azure_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=120)
    azure_read_timeout_seconds: float = Field(default=20.0, gt=0, le=600)

    _account_url = check("azure_account_url")(
        classmethod(lambda cls, v: check_url(v, example="https://<account>.blob.core.windows.net"))
    )
    _container = check("azure_container_name")(classmethod(lambda cls, v: check_container_name(v)))

    @model_validator(mode="after")
    def _azure_needs_a_way_in(self) -> StorageSettings:
        if self.type == "azure":
            try:
                azure_access(self)
            except ConfigurationError as exc:
                raise Bad(exc.message, env="STORAGE_TYPE") from None
        return self


def azure_access(storage: StorageSettings) -> SecretStr | str:
    """The way into Azure Storage: the connection string, else the account URL (managed identity).

    The one check of "STORAGE_TYPE=azure needs ...": the settings validator runs it, and the storage
    code calls it again for settings built without validation (``model_construct``)."""
    if storage.azure_connection_string is not None:
        return storage.azure_connection_string
    if storage.azure_account_url:
        return storage.azure_account_url
    raise ConfigurationError(AZURE_ACCESS_NEEDED)


class ExchangeCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_key", "apiKey"))
    secret: SecretStr | None = None
    password: SecretStr | None = None
    uid: SecretStr | None = None


class CcxtSettings(BaseModel):
    model_config = _GROUP
    exchanges: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["cryptocom", "binance", "kraken", "coinbase", "bybit", "okx"]
    )
    default_exchange: str = "cryptocom"
    # Deep-merged into ccxt's constructor config, keyed by exchange id (timeouts, proxies, urls, options).
    # mutable defaults are copied per instance by pydantic; ``default_factory=dict`` would make pydantic
    # inspect the builtin's signature, which costs every process ~60 ms (tokenize's regex) at start-up
    exchange_options: Annotated[dict[str, dict[str, Any]], NoDecode] = Field(default={})
    # Per-exchange keys for private calls only; JSON {"binance": {"api_key": ..., "secret": ...}}.
    credentials: Annotated[dict[str, ExchangeCredentials], NoDecode] = Field(default={})
    # A candle is closed when timestamp + timeframe <= now - margin.
    closed_candle_margin_seconds: float = Field(default=5.0, ge=0)
    markets_ttl_seconds: float = Field(default=3 * 3600, gt=0)
    retry_max_attempts: int = Field(default=5, ge=1, le=50)
    retry_base_delay_seconds: float = Field(default=0.5, ge=0)
    retry_max_delay_seconds: float = Field(default=30.0, ge=0)
    # Candle windows of one series in flight at once (ccxt's throttle still paces the requests).
    max_inflight: int = Field(default=4, ge=1, le=32)

    _split = check("exchanges", mode="before")(classmethod(lambda cls, v: split_csv(v)))
    _options_json = check("exchange_options", mode="before")(
        classmethod(lambda cls, v: parse_json_object(v, '{"binance": {"timeout": 10000}}'))
    )
    _credentials_json = check("credentials", mode="before")(
        classmethod(lambda cls, v: parse_json_object(v, '{"binance": {"api_key": "...", "secret": "..."}}'))
    )

    @check("exchanges")
    @classmethod
    def _exchange_ids(cls, value: list[str]) -> list[str]:
        if not value:
            raise Bad("must list at least one exchange id, comma-separated, e.g. 'binance,kraken'")
        try:
            ids = [validate_exchange(v) for v in value]
        except DataServiceError as exc:
            raise Bad(exc.message) from None
        if len(set(ids)) != len(ids):
            raise Bad("lists an exchange twice", show_input=True)
        return ids

    @model_validator(mode="after")
    def _known_exchanges(self) -> CcxtSettings:
        allowed = ", ".join(self.exchanges)
        if self.default_exchange not in self.exchanges:
            msg = f"must be one of CCXT_EXCHANGES ({allowed}) (got {self.default_exchange[:40]!r})"
            raise Bad(msg, env="CCXT_DEFAULT_EXCHANGE")
        for env, mapping in (
            ("CCXT_EXCHANGE_OPTIONS", self.exchange_options),
            ("CCXT_CREDENTIALS", self.credentials),
        ):
            unknown = sorted(k for k in mapping if k not in self.exchanges)
            if unknown:
                shown = ", ".join(repr(k[:40]) for k in unknown)
                raise Bad(
                    f"keys must be exchange ids from CCXT_EXCHANGES ({allowed}); unknown: {shown}", env=env
                )
        if self.retry_max_delay_seconds < self.retry_base_delay_seconds:
            raise Bad(
                "must not be less than CCXT_RETRY_BASE_DELAY_SECONDS", env="CCXT_RETRY_MAX_DELAY_SECONDS"
            )
        return self


class SyncSettings(BaseModel):
    model_config = _GROUP
    schedule: str = "0 */30 * * * *"  # NCRONTAB, six fields, seconds first
    # "exchange:SYMBOL:timeframe" entries, comma-separated, parsed to SeriesKey (shared.series).
    targets: Annotated[list[SeriesKey], NoDecode] = Field(default=[])
    backfill_days: int = Field(default=30, ge=1, le=3650)
    concurrency_per_exchange: int = Field(default=2, ge=1, le=32)

    _schedule = check("schedule")(classmethod(lambda cls, v: validate_ncrontab(v)))
    _targets = check("targets", mode="before")(classmethod(lambda cls, v: parse_sync_targets(v)))


class LogSettings(BaseModel):
    model_config = _GROUP
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    _upper = check("level", mode="before")(classmethod(lambda cls, v: v.upper() if isinstance(v, str) else v))
