"""The process-wide services for the function app: built once, on first use, from the settings.

Importing this module connects nothing; the first call reads the settings (failing with one clear
``ConfigurationError`` when a setting is wrong) and builds ``Services`` through the composition root.
"""

from __future__ import annotations

import asyncio
import weakref

from shared.composition import Services
from shared.logging_config import configure_logging
from shared.settings import load_settings

_services: Services | None = None
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
