"""The services a command works with, built from the configured settings and always closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.composition import Services


@asynccontextmanager
async def opened_services() -> AsyncIterator[Services]:
    """The composition root on the configured settings, closed on the way out (errors and Ctrl-C too)."""
    from shared.settings import load_settings

    services = Services.create(load_settings())
    try:
        yield services
    finally:
        await services.aclose()
