"""One portfolio run: every account (or one), a bounded number at once, each failure kept to its account.

Each account gets its own ccxt client (its keys only), its snapshot is stored as the latest document
and appended to the history; a failure (bad key, exchange down, permission denied, storage trouble) is
logged with its reason and stored in the account's latest document, and the others go on. The run
ends with one summary line: accounts ok and failed, new trades, exchange requests, duration.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shared.errors import AccountNotFoundError, DataServiceError
from shared.portfolio.credentials import AccountKeys
from shared.portfolio.exchange import AccountExchange
from shared.portfolio.models import Snapshot
from shared.portfolio.settings import PortfolioAccount, PortfolioSettings
from shared.portfolio.snapshot import take_snapshot
from shared.portfolio.store import PortfolioStore
from shared.settings import CcxtSettings
from shared.sync.state import describe_error

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunSummary:
    ok: int = 0
    failed: int = 0
    new_trades: int = 0
    requests: int = 0
    duration_s: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)  # account -> error code
    snapshots: list[Snapshot] = field(default_factory=list)

    def log_line(self) -> str:
        line = (
            f"portfolio sync: {self.ok} accounts ok, {self.failed} failed, {self.new_trades} new trades, "
            f"{self.requests} exchange requests, {self.duration_s:.2f} s"
        )
        if self.errors:
            line += "; failed: " + ", ".join(f"{a} {code}" for a, code in self.errors.items())
        return line


@dataclass
class PortfolioSync:
    settings: PortfolioSettings
    keys: dict[str, AccountKeys]
    ccxt: CcxtSettings
    store: PortfolioStore
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic

    @property
    def accounts(self) -> list[PortfolioAccount]:
        return self.settings.accounts

    async def run(self, only: str | None = None) -> RunSummary:
        chosen = [a for a in self.accounts if only is None or a.name == only]
        if only is not None and not chosen:
            raise AccountNotFoundError(
                f"no portfolio account called {only[:40]!r}; configured: "
                f"{', '.join(a.name for a in self.accounts) or 'none'}"
            )
        if not chosen:
            log.info("portfolio sync: no accounts configured (PORTFOLIO_ACCOUNTS), nothing to do")
            return RunSummary()
        started = self.monotonic()
        gate = asyncio.Semaphore(self.settings.portfolio.concurrency)

        async def one(account: PortfolioAccount) -> Snapshot:
            async with gate:
                return await self.sync_account(account)

        snapshots = await asyncio.gather(*(one(a) for a in chosen))
        failed = {s.account: (s.error or {}).get("code", "") for s in snapshots if s.status != "ok"}
        summary = RunSummary(
            ok=len(snapshots) - len(failed),
            failed=len(failed),
            new_trades=sum(s.new_trades for s in snapshots),
            requests=sum(s.requests for s in snapshots),
            duration_s=self.monotonic() - started,
            errors=failed,
            snapshots=list(snapshots),
        )
        (log.warning if failed else log.info)("%s", summary.log_line())
        return summary

    async def sync_account(self, account: PortfolioAccount) -> Snapshot:
        """Never raises: a failure becomes a ``failed`` snapshot (stored when storage allows)."""
        now_ms = int(self.clock() * 1000)
        exchange = AccountExchange(account.exchange, self.keys[account.name], self.ccxt, sleep=self.sleep)
        try:
            snapshot = await take_snapshot(account, exchange, self.store, now_ms)
            await self.store.append_history(snapshot)
        except Exception as exc:  # one failing account never stops the others
            code, message = describe_error(exc)
            if not isinstance(exc, DataServiceError):
                log.error("portfolio %s: unexpected failure (%s)", account.name, type(exc).__name__)
            log.warning("portfolio %s (%s): failed: %s: %s", account.name, account.exchange, code, message)
            snapshot = Snapshot(
                account.name,
                account.exchange,
                account.quote,
                now_ms,
                "failed",
                {"code": code, "message": message},
                requests=exchange.requests_made,
            )
        finally:
            await exchange.close()
        try:
            await self.store.save_latest(snapshot)
        except DataServiceError as exc:
            log.error("portfolio %s: the latest snapshot could not be stored: %s", account.name, exc.code)
        return snapshot
