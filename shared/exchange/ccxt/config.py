"""The constructor config of one ccxt exchange instance, built from settings.

``exchange_options[exchange_id]`` is deep-merged over our defaults (nested dicts merge key by key,
anything else replaces) and the rate limiter is always on. Credentials go only into the config of a
client that makes private calls (``with_credentials=True``): candle fetching needs no key, and a ccxt
instance holding keys signs calls it need not sign (e.g. while loading markets) and logs them.
"""

from __future__ import annotations

import copy
from typing import Any

from shared.settings import CcxtSettings


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A new dict: ``override`` merged into ``base`` recursively; neither input is changed."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# ccxt's constructor key for each credential field
CREDENTIAL_KEYS = {"apiKey": "api_key", "secret": "secret", "password": "password", "uid": "uid"}


def secrets_of(settings: CcxtSettings, exchange_id: str) -> list[str]:
    """Credential values of ``exchange_id`` (to scrub them from any error text), also those given
    through ``CCXT_EXCHANGE_OPTIONS``."""
    creds = settings.credentials.get(exchange_id)
    values = [getattr(creds, field) for field in CREDENTIAL_KEYS.values()] if creds is not None else []
    found = [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]
    options = settings.exchange_options.get(exchange_id, {})
    found += [str(options[k]) for k in CREDENTIAL_KEYS if options.get(k)]
    return found


def ccxt_config(
    settings: CcxtSettings, exchange_id: str, *, with_credentials: bool = False
) -> dict[str, Any]:
    """The config for ``exchange_id``; without credentials (also none from ``CCXT_EXCHANGE_OPTIONS``)
    unless ``with_credentials``."""
    config: dict[str, Any] = {"enableRateLimit": True}
    creds = settings.credentials.get(exchange_id) if with_credentials else None
    if creds is not None:
        for ccxt_key, field in CREDENTIAL_KEYS.items():
            value = getattr(creds, field)
            if value is not None:
                config[ccxt_key] = value.get_secret_value()
    options = settings.exchange_options.get(exchange_id, {})
    if not with_credentials:
        options = {k: v for k, v in options.items() if k not in CREDENTIAL_KEYS}
    config = deep_merge(config, options)
    config["enableRateLimit"] = True  # never off: one limiter per instance protects us from bans
    return config
