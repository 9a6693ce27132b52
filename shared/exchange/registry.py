"""Exchange plugins by exchange id: created on first use, one per id per process, closed together.

Only ids on the allow-list (``CcxtSettings.exchanges``) are served; any other id is refused with
``UNKNOWN_EXCHANGE`` before anything is created. ``get(None)`` means the default exchange.

Where a plugin comes from (the exchange-source microkernel), first match wins:

1. ``add_plugin(exchange_id, factory)``: registered in code (tests, an embedding application);
2. the entry-point group ``cbdata.exchanges``: an installed distribution declares
   ``[project.entry-points."cbdata.exchanges"] myfeed = "myfeed.plugin:create"``; the entry point is
   looked up and loaded only when that id is first asked for (no import cost at start-up);
3. the fallback factory, by default the ccxt plugin (``shared.exchange.ccxt``), for every other id.

A plugin factory is ``factory(exchange_id, context) -> ExchangeClient``; ``context`` (``PluginContext``)
carries the exchange settings and the injectable clock and sleep. Adding a source needs no edit here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from shared.errors import ConfigurationError, UnknownExchangeError
from shared.exchange.client import ExchangeClient
from shared.settings import CcxtSettings

ENTRY_POINT_GROUP = "cbdata.exchanges"
PluginFactory = Callable[[str], ExchangeClient]  # the fallback: every id without a plugin of its own


@dataclass(frozen=True, slots=True)
class PluginContext:
    """What a plugin factory may use: the exchange settings, and the clock and sleep (tests fake them)."""

    settings: CcxtSettings
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]


ExchangePlugin = Callable[[str, PluginContext], ExchangeClient]


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
        self._added: dict[str, ExchangePlugin] = {}
        self._plugins: dict[str, ExchangeClient] = {}

    @property
    def allowed(self) -> tuple[str, ...]:
        return self._allowed

    @property
    def default_exchange(self) -> str:
        return self._settings.default_exchange

    def add_plugin(self, exchange_id: str, factory: ExchangePlugin) -> None:
        """Serve ``exchange_id`` (still only when it is on the allow-list) with ``factory``'s plugin."""
        if exchange_id in self._plugins:
            raise ConfigurationError(f"exchange {exchange_id!r} is already in use; add its plugin before")
        self._added[exchange_id] = factory

    def _create(self, exchange_id: str) -> ExchangeClient:
        plugin = self._added.get(exchange_id) or _entry_point_plugin(exchange_id)
        if plugin is None:
            return self._factory(exchange_id)
        return plugin(exchange_id, PluginContext(self._settings, self._clock, self._sleep))

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
            plugin = self._plugins[name] = self._create(name)
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


def _entry_point_plugin(exchange_id: str) -> ExchangePlugin | None:
    """The factory an installed distribution declares for ``exchange_id``, loaded now; None if none."""
    found = entry_points(group=ENTRY_POINT_GROUP, name=exchange_id)
    if not found:
        return None
    if len(found) > 1:
        sources = ", ".join(sorted(ep.value for ep in found))
        raise ConfigurationError(f"several {ENTRY_POINT_GROUP} plugins serve {exchange_id!r}: {sources}")
    (entry,) = found
    try:
        factory = entry.load()
    except Exception as exc:  # a broken plugin install: say which one, not a bare ImportError later
        raise ConfigurationError(
            f"the {ENTRY_POINT_GROUP} plugin {entry.value!r} for {exchange_id!r} cannot be loaded "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if not callable(factory):
        raise ConfigurationError(f"the {ENTRY_POINT_GROUP} plugin {entry.value!r} is not a factory")
    return factory  # type: ignore[no-any-return]
