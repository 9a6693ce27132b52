"""Typed settings for the whole service (pydantic-settings). See docs/configuration.md.

``model`` holds ``Settings`` and ``load_settings`` (the one entry point), ``groups`` the nested groups
(storage, ccxt, sync, log), ``parsing`` the value parsers, ``sources`` the extra sources
(``local.settings.json``, Key Vault) and ``errors`` the translation of validation errors into one
``ConfigurationError``.
"""

from shared.settings.groups import (
    DEFAULT_FETCH_CLAIM_TTL_SECONDS,
    DEFAULT_HUB,
    HUB_PATTERN,
    CcxtSettings,
    ExchangeCredentials,
    LogSettings,
    StorageSettings,
    SyncSettings,
    azure_access,
)
from shared.settings.model import GROUPS, SECRET_SETTINGS, Settings, load_settings

__all__ = [
    "DEFAULT_FETCH_CLAIM_TTL_SECONDS",
    "DEFAULT_HUB",
    "GROUPS",
    "HUB_PATTERN",
    "SECRET_SETTINGS",
    "CcxtSettings",
    "ExchangeCredentials",
    "LogSettings",
    "Settings",
    "StorageSettings",
    "SyncSettings",
    "azure_access",
    "load_settings",
]
