"""Portfolio settings, loaded apart from the candle service's ``Settings``: a wrong value here fails
only the portfolio sync's start-up, never the candle service.

Variables (docs/portfolio.md): ``PORTFOLIO_ACCOUNTS`` (JSON list of accounts), ``PORTFOLIO_SCHEDULE``
(NCRONTAB, default every 30 minutes), ``PORTFOLIO_CONCURRENCY`` (accounts synced at once) and
``PORTFOLIO_CREDENTIALS`` (JSON object keyed by account name; on Azure the Key Vault secret
``PORTFOLIO--CREDENTIALS``). The sources, their order, Key Vault and the error messages are the main
settings' own (``shared.settings``): only the fields differ.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic import field_validator as check
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource
from pydantic_settings.exceptions import SettingsError

from shared.errors import ConfigurationError
from shared.settings import ExchangeCredentials, Settings
from shared.settings.errors import secret_env_names, to_configuration_error
from shared.settings.parsing import SettingValueError as Bad
from shared.settings.parsing import parse_json_object, validate_ncrontab
from shared.settings.sources import SOURCE_OPTIONS, SecretClientFactory, SourceOptions

DEFAULT_SCHEDULE = "0 */30 * * * *"
ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DERIVATIVES = ("swap", "future")
ACCOUNTS_EXAMPLE = '[{"name": "main", "exchange": "binance", "quote": "USDT"}]'


class PortfolioAccount(BaseModel):
    """One exchange account. ``market_types`` with ``swap`` or ``future`` also fetches positions."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    exchange: str
    quote: str = "USDT"
    market_types: tuple[Literal["spot", "swap", "future"], ...] = ("spot",)

    @check("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not ACCOUNT_NAME.match(value):
            raise Bad(
                f"account name {value[:40]!r} must be 1-40 lower-case letters, digits or '_', "
                "starting with a letter"
            )
        return value

    _quote = check("quote")(classmethod(lambda cls, v: v.strip().upper()))

    @property
    def derivatives(self) -> bool:
        return any(t in DERIVATIVES for t in self.market_types)


def _parse_accounts(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    wrapped = parse_json_object(f'{{"a": {value}}}' if value.strip() else "{}", ACCOUNTS_EXAMPLE)
    return wrapped.get("a", [])


class PortfolioGroup(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)
    accounts: Annotated[list[PortfolioAccount], NoDecode] = Field(default=[])
    schedule: str = DEFAULT_SCHEDULE
    concurrency: int = Field(default=4, ge=1, le=32)
    credentials: Annotated[dict[str, ExchangeCredentials], NoDecode] = Field(default={})

    _accounts = check("accounts", mode="before")(classmethod(lambda cls, v: _parse_accounts(v)))
    _schedule = check("schedule")(classmethod(lambda cls, v: validate_ncrontab(v)))
    _credentials = check("credentials", mode="before")(
        classmethod(lambda cls, v: parse_json_object(v, '{"main": {"api_key": "...", "secret": "..."}}'))
    )

    @check("accounts")
    @classmethod
    def _unique(cls, accounts: list[PortfolioAccount]) -> list[PortfolioAccount]:
        names = [a.name for a in accounts]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise Bad(f"account names must be unique; listed twice: {', '.join(twice)}")
        return accounts


class PortfolioSettings(BaseSettings):
    model_config = Settings.model_config
    portfolio: PortfolioGroup = Field(default_factory=PortfolioGroup)
    key_vault_url: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the very same sources as the main settings (env, .env, local.settings.json, Key Vault)
        return Settings.settings_customise_sources(
            settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        )

    @property
    def accounts(self) -> list[PortfolioAccount]:
        return self.portfolio.accounts


SECRETS = secret_env_names(PortfolioSettings)  # {"PORTFOLIO_CREDENTIALS"}


def load_portfolio_settings(
    exchanges: list[str] | tuple[str, ...],
    *,
    credential: Any = None,
    secret_client_factory: SecretClientFactory | None = None,
    local_settings_file: Path | None = Path("local.settings.json"),
    **overrides: Any,
) -> PortfolioSettings:
    """Read and check the portfolio settings (blocking: Key Vault is read synchronously).

    ``exchanges`` is ``CCXT_EXCHANGES``: every account must use one of them and have credentials.
    Raises ``ConfigurationError`` naming the wrong setting."""
    from azure.core.exceptions import AzureError

    token = SOURCE_OPTIONS.set(SourceOptions(credential, secret_client_factory, local_settings_file))
    try:
        settings = PortfolioSettings(**overrides)
    except ValidationError as exc:
        raise to_configuration_error(exc, ("portfolio",), SECRETS) from None
    except SettingsError as exc:
        raise ConfigurationError(str(exc)) from None
    except AzureError as exc:
        raise ConfigurationError(
            f"KEY_VAULT_URL: cannot read secrets from the vault ({type(exc).__name__})"
        ) from None
    finally:
        SOURCE_OPTIONS.reset(token)
    check_accounts(settings, exchanges)
    return settings


def configured_schedule(local_settings_file: Path | None = Path("local.settings.json")) -> str:
    """``PORTFOLIO_SCHEDULE`` from the usual sources, or its default (for hosts that resolve
    ``%PORTFOLIO_SCHEDULE%`` themselves). ``ConfigurationError`` when a portfolio setting is wrong."""
    token = SOURCE_OPTIONS.set(SourceOptions(local_settings_file=local_settings_file))
    try:
        return PortfolioSettings().portfolio.schedule
    except ValidationError as exc:
        raise to_configuration_error(exc, ("portfolio",), SECRETS) from None
    finally:
        SOURCE_OPTIONS.reset(token)


def check_accounts(settings: PortfolioSettings, exchanges: list[str] | tuple[str, ...]) -> None:
    unknown = [f"{a.name} ({a.exchange[:40]!r})" for a in settings.accounts if a.exchange not in exchanges]
    if unknown:
        raise ConfigurationError(
            f"PORTFOLIO_ACCOUNTS: accounts must use exchanges from CCXT_EXCHANGES ({', '.join(exchanges)}); "
            f"not listed there: {', '.join(unknown)}",
            settings=["PORTFOLIO_ACCOUNTS"],
        )
    names = {a.name for a in settings.accounts}
    strangers = sorted(k for k in settings.portfolio.credentials if k not in names)
    if strangers:
        raise ConfigurationError(
            f"PORTFOLIO_CREDENTIALS: keys must be account names from PORTFOLIO_ACCOUNTS; unknown: "
            f"{', '.join(repr(s[:40]) for s in strangers)}",
            settings=["PORTFOLIO_CREDENTIALS"],
        )
