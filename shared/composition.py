"""The one composition root: settings -> backend -> store -> exchanges -> candle service, plus the
watched targets, the per-connection limiter and the Web PubSub sender.

``function_app.py``, the CLI and the local host build the service here and nowhere else. Nothing is
connected at import time; ``Services.create`` is cheap (no network, no ccxt import) and
``aclose()`` releases every client it made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.exchange.registry import ExchangeRegistry
from shared.fetch.archive_fill import ArchiveFiller
from shared.fetch.claims import SpanClaims
from shared.fetch.service import CandleService
from shared.memory import tune_allocators
from shared.redaction import register, settings_secrets
from shared.settings import Settings
from shared.storage.backend import StorageBackend
from shared.storage.factory import create_backend
from shared.store import CandleStore
from shared.sync.targets import TargetStore
from shared.webpubsub.limits import ConnectionLimiter
from shared.webpubsub.sender import ConnectionSender
from shared.webpubsub.service_client import WebPubSubAccess

if TYPE_CHECKING:
    from shared.portfolio.runner import PortfolioSync


@dataclass
class Services:
    settings: Settings
    backend: StorageBackend
    store: CandleStore
    exchanges: ExchangeRegistry
    candles: CandleService
    targets: TargetStore = field(default=None)  # type: ignore[assignment]  # built from the above
    limiter: ConnectionLimiter = field(default=None)  # type: ignore[assignment]
    sender: ConnectionSender | None = None  # None: Web PubSub not configured

    def __post_init__(self) -> None:
        register(*settings_secrets(self.settings))  # masked in every log record from now on
        if self.targets is None:
            self.targets = TargetStore(self.backend, self.settings.sync.targets)
        if self.limiter is None:
            self.limiter = ConnectionLimiter(
                self.backend, self.settings.webpubsub_max_requests_per_connection
            )
        settings = self.settings
        access = WebPubSubAccess.from_settings(settings)
        if self.sender is None and access is not None:
            from shared.webpubsub.sender import ServiceSender

            self.sender = ServiceSender(access, settings.webpubsub_hub)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        tune_allocators()  # the system allocator with two malloc arenas (shared/memory.py)
        backend = create_backend(settings.storage)
        store = CandleStore(backend)
        exchanges = ExchangeRegistry(settings.ccxt)
        candles = CandleService(
            store,
            exchanges,
            # instances that share the store fetch each span once
            claims=SpanClaims(store, ttl_seconds=settings.fetch_claim_ttl_seconds),
            max_request_candles=settings.max_request_candles,
            closed_margin_seconds=settings.ccxt.closed_candle_margin_seconds,
            backfill_days=settings.sync.backfill_days,
            archives=archive_filler(settings),
        )
        return cls(settings, backend, store, exchanges, candles)

    async def aclose(self) -> None:
        try:
            try:
                if self.candles.archives is not None:
                    await self.candles.archives.close()
            finally:
                await self.exchanges.aclose()
        finally:
            try:
                if self.sender is not None and hasattr(self.sender, "aclose"):
                    await self.sender.aclose()
            finally:
                await self.backend.close()


def create_portfolio_sync(services: Services, **load_options: Any) -> PortfolioSync:
    """The portfolio sync (docs/portfolio.md) on the candle service's storage and exchange options.

    Blocking (reads the PORTFOLIO_* settings, Key Vault included, and checks every account's keys):
    call it off the event loop. A wrong portfolio setting raises ``ConfigurationError`` here only."""
    from shared.portfolio.credentials import account_keys
    from shared.portfolio.runner import PortfolioSync
    from shared.portfolio.settings import load_portfolio_settings
    from shared.portfolio.store import PortfolioStore

    settings = load_portfolio_settings(services.settings.ccxt.exchanges, **load_options)
    keys = account_keys(settings)
    return PortfolioSync(settings, keys, services.settings.ccxt, PortfolioStore(services.backend))


def archive_filler(settings: Settings) -> ArchiveFiller | None:
    """The archive sources the settings enable (Binance's, through the same proxy as its REST)."""
    if not settings.archive_enabled or "binance" not in settings.ccxt.exchanges:
        return None
    from shared.exchange.archive.binance import BinanceArchive, proxy_from

    options = settings.ccxt.exchange_options.get("binance", {})
    return ArchiveFiller({"binance": BinanceArchive(settings.binance_archive_url, proxy=proxy_from(options))})
