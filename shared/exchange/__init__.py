"""Exchange sources: the ``ExchangeClient`` protocol, its ccxt plugin and the registry (with plugins).

Importing this package never imports ccxt (cold start); ``ccxt.async_support`` is loaded when a
plugin first talks to its exchange.
"""

from shared.exchange.client import DOCUMENTED_PAGE_LIMITS, ExchangeClient, closed_boundary
from shared.exchange.page import OhlcvPage
from shared.exchange.registry import ENTRY_POINT_GROUP, ExchangePlugin, ExchangeRegistry, PluginContext

__all__ = [
    "DOCUMENTED_PAGE_LIMITS",
    "ENTRY_POINT_GROUP",
    "ExchangeClient",
    "ExchangePlugin",
    "ExchangeRegistry",
    "OhlcvPage",
    "PluginContext",
    "closed_boundary",
]
