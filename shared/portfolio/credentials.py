"""Each account's API keys, checked at start-up: present, and complete for its exchange.

Locally they come from ``PORTFOLIO_CREDENTIALS`` (JSON keyed by account name); on Azure from the Key
Vault secret ``PORTFOLIO--CREDENTIALS`` holding the same JSON (the main settings' dash rule: group
``--`` field). ``api_key`` and ``secret`` are always needed; ``password`` (OKX's passphrase) where ccxt
says the exchange requires one. The values stay ``SecretStr`` until they go into the account's own
ccxt client: they are never logged, and every error text is scrubbed of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.portfolio.settings import PortfolioSettings

SETTING = "PORTFOLIO_CREDENTIALS"
WHERE = f"{SETTING} (Key Vault secret PORTFOLIO--CREDENTIALS)"


@dataclass(frozen=True, slots=True)
class AccountKeys:
    api_key: SecretStr
    secret: SecretStr
    password: SecretStr | None = None

    def ccxt_config(self) -> dict[str, str]:
        """The constructor entries of ccxt (plain text: only for the account's own client)."""
        config = {"apiKey": self.api_key.get_secret_value(), "secret": self.secret.get_secret_value()}
        if self.password is not None:
            config["password"] = self.password.get_secret_value()
        return config

    def values(self) -> list[str]:
        """Every secret value, to scrub from error texts."""
        return [v for v in self.ccxt_config().values() if v]


def needs_password(exchange_id: str) -> bool:
    """What ccxt itself says about the exchange (OKX: yes; Binance: no)."""
    module: Any = importlib.import_module("ccxt.async_support")
    return bool(getattr(module, exchange_id)().requiredCredentials.get("password"))


def account_keys(settings: PortfolioSettings) -> dict[str, AccountKeys]:
    """Keys by account name; ``ConfigurationError`` naming the setting when any is missing.
    Blocking (imports ccxt the first time): call it off the event loop."""
    keys: dict[str, AccountKeys] = {}
    problems: list[str] = []
    for account in settings.accounts:
        given = settings.portfolio.credentials.get(account.name)
        missing = [] if given is not None else ["api_key", "secret"]
        if given is not None:
            missing = [f for f in ("api_key", "secret") if not _present(getattr(given, f))]
            if needs_password(account.exchange) and not _present(given.password):
                missing.append("password")
        if missing:
            problems.append(f"account {account.name!r} ({account.exchange}) needs {', '.join(missing)}")
            continue
        assert given is not None and given.api_key is not None and given.secret is not None
        password = given.password if _present(given.password) else None
        keys[account.name] = AccountKeys(given.api_key, given.secret, password)
    if problems:
        raise ConfigurationError(f"{WHERE}: {'; '.join(problems)}", settings=[SETTING])
    return keys


def _present(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value())
