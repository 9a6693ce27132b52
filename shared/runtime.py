"""The process-wide services for the function app: built once, on first use, from the settings.

Importing this module connects nothing; the first call reads the settings (failing with one clear
``ConfigurationError`` when a setting is wrong) and builds ``Services`` through the composition root.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING

from shared.composition import Services, create_portfolio_sync
from shared.logging_config import configure_logging
from shared.settings import load_settings

if TYPE_CHECKING:
    from shared.portfolio.runner import PortfolioSync

_services: Services | None = None
_portfolio: tuple[Services, PortfolioSync] | None = None  # built for these services
# an asyncio.Lock belongs to one event loop; tests and the CLI run several loops in one process
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


async def services() -> Services:
    global _services
    if _services is None:
        async with _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock()):
            if _services is None:
                settings = await asyncio.to_thread(load_settings)  # Key Vault is read synchronously
                configure_logging(settings.log.level)
                _services = Services.create(settings)
    return _services


async def portfolio() -> PortfolioSync:
    """The portfolio sync on this process's services, built on first use from its own settings: a
    wrong PORTFOLIO_* setting raises here (each time, naming the setting) and never in ``services()``."""
    global _portfolio
    ready = await services()
    if _portfolio is None or _portfolio[0] is not ready:
        _portfolio = (ready, await asyncio.to_thread(create_portfolio_sync, ready))
    return _portfolio[1]


def install(ready: Services) -> None:
    """Use these services from now on (the local host and tests build their own)."""
    global _services
    _services = ready


async def reset() -> None:
    """Close and forget the services (tests, and a host shutting down)."""
    global _services
    current, _services = _services, None
    if current is not None:
        await current.aclose()
