"""Exchange plugins by exchange id: created on first use, one per id per process, closed together.

Only ids on the allow-list (``CcxtSettings.exchanges``) are served; any other id is refused with
``UNKNOWN_EXCHANGE`` before anything is created. ``get(None)`` means the default exchange.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from shared.errors import ConfigurationError, UnknownExchangeError
from shared.exchange.client import ExchangeClient
from shared.settings import CcxtSettings

PluginFactory = Callable[[str], ExchangeClient]


class ExchangeRegistry:
    def __init__(
        self,
        settings: CcxtSettings,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        factory: PluginFactory | None = None,
    ) -> None:
        self._settings = settings
        self._allowed = tuple(dict.fromkeys(e.strip().lower() for e in settings.exchanges if e.strip()))
        if settings.default_exchange not in self._allowed:
            raise ConfigurationError(
                f"the default exchange {settings.default_exchange!r} is not on the allow-list "
                f"({', '.join(self._allowed)})"
            )
        self._clock = clock
        self._sleep = sleep
        self._factory = factory or self._ccxt_plugin
        self._plugins: dict[str, ExchangeClient] = {}

    @property
    def allowed(self) -> tuple[str, ...]:
        return self._allowed

    @property
    def default_exchange(self) -> str:
        return self._settings.default_exchange

    def _ccxt_plugin(self, exchange_id: str) -> ExchangeClient:
        from shared.exchange.ccxt.client import CcxtExchangeClient

        return CcxtExchangeClient(exchange_id, self._settings, clock=self._clock, sleep=self._sleep)

    def require_enabled(self, exchange_id: str | None = None) -> str:
        """The exchange id (the default one for ``None``); ``UNKNOWN_EXCHANGE`` unless it is on the
        allow-list. Creates nothing."""
        name = self.default_exchange if exchange_id is None else exchange_id
        if not isinstance(name, str) or name not in self._allowed:
            shown = repr(name)[:40]
            raise UnknownExchangeError(
                f"exchange {shown} is not enabled here; enabled: {', '.join(self._allowed)}"
            )
        return name

    def get(self, exchange_id: str | None = None) -> ExchangeClient:
        name = self.require_enabled(exchange_id)
        plugin = self._plugins.get(name)
        if plugin is None:
            plugin = self._plugins[name] = self._factory(name)
        return plugin

    def created(self) -> dict[str, ExchangeClient]:
        """The plugins created so far (for stats and tests)."""
        return dict(self._plugins)

    async def aclose(self) -> None:
        plugins, self._plugins = list(self._plugins.values()), {}
        results = await asyncio.gather(*(p.close() for p in plugins), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
