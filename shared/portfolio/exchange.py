"""One account's own ccxt client: the candle service's exchange config plus the account's keys.

The config comes from ``shared.exchange.ccxt_config`` (``CCXT_EXCHANGE_OPTIONS``: URLs, timeouts,
rate limit always on) with any ``CCXT_CREDENTIALS`` taken out and the account's keys put in, so the
candle service's clients and these never share keys. Every call goes through the project's retry
policy (429 and 5xx are retried with backoff; a rejected key is not) and every error is mapped to the
service's errors with the keys scrubbed from its text. ``requests_made`` counts HTTP requests.
"""

from __future__ import annotations

import asyncio
import importlib
import random
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from shared.backoff import RetryPolicy, with_retries
from shared.errors import UnknownExchangeError
from shared.exchange.ccxt.config import CREDENTIAL_KEYS, ccxt_config, deep_merge
from shared.exchange.ccxt.errors import classify, map_error
from shared.portfolio.credentials import AccountKeys
from shared.portfolio.redaction import CCXT_LOGGER, SCRUBBER
from shared.settings import CcxtSettings

T = TypeVar("T")
# Spot balances and trades only: Binance's margin-pair lists (two requests per markets load, made
# when ccxt has a key) are not needed. CCXT_EXCHANGE_OPTIONS can still turn them back on.
PORTFOLIO_DEFAULTS: dict[str, Any] = {"options": {"fetchMargins": False}}


def account_config(settings: CcxtSettings, exchange_id: str, keys: AccountKeys) -> dict[str, Any]:
    """ccxt's constructor config; it logs through the scrubbing logger (redaction.py). ``verbose`` is
    forced off: ccxt prints verbose requests, headers and keys included, straight to stdout."""
    config = deep_merge(PORTFOLIO_DEFAULTS, ccxt_config(settings, exchange_id))
    config = {k: v for k, v in config.items() if k not in CREDENTIAL_KEYS}
    SCRUBBER.add(keys.values())
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
        self.requests_made = 0
        self._config = account_config(settings, exchange_id, keys)
        self._secrets = keys.values()
        self._policy = RetryPolicy(
            settings.retry_max_attempts, settings.retry_base_delay_seconds, settings.retry_max_delay_seconds
        )
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._exchange: Any = None

    async def _ccxt(self) -> Any:
        if self._exchange is None:
            module = sys.modules.get("ccxt.async_support")
            if module is None:  # the first import costs ~0.4 s: keep it off the event loop
                module = await asyncio.to_thread(importlib.import_module, "ccxt.async_support")
            cls = getattr(module, self.exchange_id, None)
            if not isinstance(cls, type):
                raise UnknownExchangeError(f"ccxt has no exchange called {self.exchange_id!r}")
            exchange = cls(self._config)
            send = exchange.fetch

            async def counted_fetch(*args: Any, **kwargs: Any) -> Any:
                self.requests_made += 1
                return await send(*args, **kwargs)

            exchange.fetch = counted_fetch
            self._exchange = exchange
        return self._exchange

    async def call(self, method: str, *args: Any) -> Any:
        """``await exchange.<method>(*args)`` with retries; errors mapped and scrubbed."""
        exchange = await self._ccxt()
        try:
            return await with_retries(
                lambda: getattr(exchange, method)(*args),
                self._policy,
                lambda exc: classify(exc, getattr(exchange, "last_response_headers", None)),
                sleep=self._sleep,
                rng=self._rng,
            )
        except Exception as exc:
            raise map_error(exc, self.exchange_id, self._secrets) from None

    async def supports(self, method: str) -> bool:
        return bool(((await self._ccxt()).has or {}).get(method))

    async def markets(self) -> dict[str, Any]:
        return await self.call("load_markets")

    async def close(self) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            await exchange.close()
