"""Typed settings for the whole service (pydantic-settings).

Environment variable names are flat (``STORAGE_TYPE``, ``CCXT_EXCHANGES``, ``SYNC_BACKFILL_DAYS``...):
a group prefix, then the field. Sources, highest priority first: constructor arguments, the
environment (which is how the Functions host passes ``local.settings.json`` ``Values``), a ``.env``
file, Azure Key Vault when ``KEY_VAULT_URL`` is set, then defaults. See docs/configuration.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated


class StorageSettings(BaseModel):
    type: Literal["local", "azure"] = "local"
    local_root_path: Path = Path("./data")
    azure_connection_string: SecretStr | None = None
    azure_account_url: str | None = None
    azure_container_name: str = "market-data"


class ExchangeCredentials(BaseModel):
    api_key: SecretStr | None = None
    secret: SecretStr | None = None
    password: SecretStr | None = None


class CcxtSettings(BaseModel):
    exchanges: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["cryptocom", "binance", "kraken", "coinbase", "bybit", "okx"]
    )
    default_exchange: str = "cryptocom"
    # Deep-merged into ccxt's constructor config, keyed by exchange id (timeouts, proxies, urls, options).
    exchange_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Per-exchange keys for private calls only; JSON {"binance": {"api_key": ..., "secret": ...}}.
    credentials: dict[str, ExchangeCredentials] = Field(default_factory=dict)
    # A candle is closed when timestamp + timeframe <= now - margin.
    closed_candle_margin_seconds: float = Field(5.0, ge=0)
    markets_ttl_seconds: float = Field(3 * 3600, gt=0)
    retry_max_attempts: int = Field(5, ge=1, le=50)
    retry_base_delay_seconds: float = Field(0.5, ge=0)
    retry_max_delay_seconds: float = Field(30.0, ge=0)


class SyncSettings(BaseModel):
    schedule: str = "0 */30 * * * *"
    targets: Annotated[list[str], NoDecode] = Field(default_factory=list)
    backfill_days: int = Field(30, ge=1, le=3650)
    concurrency_per_exchange: int = Field(2, ge=1, le=32)


class LogSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
    )

    storage: StorageSettings = Field(default_factory=StorageSettings)
    ccxt: CcxtSettings = Field(default_factory=CcxtSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    key_vault_url: str | None = None
    max_request_candles: int = Field(1_000_000, ge=1)
    http_max_candles: int = Field(100_000, ge=1)
    webpubsub_hub: str = "marketdata"
