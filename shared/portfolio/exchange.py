"""One account's own ccxt client: the candle service's exchange config plus the account's keys.

The config comes from ``shared.exchange.ccxt_config`` (``CCXT_EXCHANGE_OPTIONS``: URLs, timeouts,
rate limit always on) with any ``CCXT_CREDENTIALS`` taken out and the account's keys put in, so the
candle service's clients and these never share keys. Every call goes through the project's retry
policy (429 and 5xx are retried with backoff; a rejected key is not) and every error is mapped to the
service's errors with the keys scrubbed from its text (``shared.exchange.ccxt.connector``, shared with
the candle plugin). ``requests_made`` counts HTTP requests.

ccxt logs every request's headers at DEBUG, and those carry the API key (Binance ``X-MBX-APIKEY``;
OKX ``OK-ACCESS-KEY`` and the passphrase). The accounts' clients therefore log through their own
logger, ``shared.portfolio.ccxt``, which carries the project's ``RedactionFilter`` itself (so even a
handler without it, e.g. a test's capture handler, sees masked records), and every account's keys
are registered with ``shared.redaction`` before its client is built.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from shared.exchange.ccxt.config import CREDENTIAL_KEYS, ccxt_config, deep_merge
from shared.exchange.ccxt.connector import CcxtConnector, retry_policy
from shared.portfolio.credentials import AccountKeys
from shared.redaction import RedactionFilter, register
from shared.settings import CcxtSettings

CCXT_LOGGER = logging.getLogger("shared.portfolio.ccxt")
if not any(isinstance(f, RedactionFilter) for f in CCXT_LOGGER.filters):
    CCXT_LOGGER.addFilter(RedactionFilter())

# Spot balances and trades only: Binance's margin-pair lists (two requests per markets load, made
# when ccxt has a key) are not needed. CCXT_EXCHANGE_OPTIONS can still turn them back on.
PORTFOLIO_DEFAULTS: dict[str, Any] = {"options": {"fetchMargins": False}}


def account_config(settings: CcxtSettings, exchange_id: str, keys: AccountKeys) -> dict[str, Any]:
    """ccxt's constructor config; it logs through the redacting ``CCXT_LOGGER``. ``verbose`` is
    forced off: ccxt prints verbose requests, headers and keys included, straight to stdout."""
    config = deep_merge(PORTFOLIO_DEFAULTS, ccxt_config(settings, exchange_id))
    config = {k: v for k, v in config.items() if k not in CREDENTIAL_KEYS}
    register(*keys.values())
    return {**config, **keys.ccxt_config(), "logger": CCXT_LOGGER, "verbose": False}


class AccountExchange:
    def __init__(
        self,
        exchange_id: str,
        keys: AccountKeys,
        settings: CcxtSettings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.exchange_id = exchange_id
        self.connector = CcxtConnector(
            exchange_id,
            account_config(settings, exchange_id, keys),
            retry_policy(settings),
            secrets=keys.values(),
            sleep=sleep,
            rng=rng,
        )

    @property
    def requests_made(self) -> int:
        return self.connector.requests_made

    async def call(self, method: str, *args: Any) -> Any:
        """``await exchange.<method>(*args)`` with retries; errors mapped and scrubbed."""
        exchange = await self.connector.instance()
        return await self.connector.run(lambda: getattr(exchange, method)(*args))

    async def supports(self, method: str) -> bool:
        return bool(((await self.connector.instance()).has or {}).get(method))

    async def markets(self) -> dict[str, Any]:
        return await self.call("load_markets")

    async def close(self) -> None:
        await self.connector.close()
