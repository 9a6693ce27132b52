"""``cbdata catalog``, ``cbdata sync`` and ``cbdata targets ...``: the store and the watched targets.

Each command builds the services from the settings (``load_settings``: environment, ``.env``,
``./local.settings.json``), does its one job and always closes them.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from shared.composition import Services
from shared.errors import NotAvailableError
from shared.sync.state import TargetState


class TargetNotFoundError(NotAvailableError):
    code = "TARGET_NOT_FOUND"


@asynccontextmanager
async def opened_services() -> AsyncIterator[Services]:
    """The composition root on the configured settings, closed on the way out (errors and Ctrl-C too)."""
    from shared.settings import load_settings

    services = Services.create(load_settings())
    try:
        yield services
    finally:
        await services.aclose()


def iso(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


async def catalog_command() -> int:
    async with opened_services() as services:
        settings = services.settings
        await services.backend.ping()
        where = (
            settings.storage.local_root_path.resolve()
            if settings.storage.type == "local"
            else f"container {settings.storage.azure_container_name!r}"
        )
        print(f"storage: {settings.storage.type} ({where}) is reachable")
        series = await services.candles.catalog()
        if not series:
            print("no candles stored yet")
        for info in series:
            s = info.series
            span = f"{iso(info.first_ts)} .. {iso(info.last_ts)}"
            print(f"{s.exchange:10} {s.symbol:16} {s.timeframe:4} {span}  {info.count:>10,} candles")
    return 0


async def sync_command() -> int:
    from shared.cli import fail
    from shared.sync.runner import run_sync

    async with opened_services() as services:
        summary = await run_sync(
            services.candles,
            services.targets,
            concurrency_per_exchange=services.settings.sync.concurrency_per_exchange,
        )
    print(summary.log_line())
    if summary.failed:
        fail("SYNC_FAILED", f"{summary.failed} of {summary.ok + summary.failed} targets failed")
        return 1
    return 0


def describe_target(state: TargetState) -> str:
    s = state.series
    if state.last_status is None:
        last = "never synced"
    elif state.last_status == "ok":
        last = f"ok at {iso(state.last_run_at)}, {state.candles_added:,} candles added"
    else:
        last = f"failed at {iso(state.last_run_at)}: {state.last_error_code} {state.last_error_message}"
    return f"{s.exchange:10} {s.symbol:16} {s.timeframe:4} {last}"


async def targets_command(action: str, args: argparse.Namespace) -> int:
    from shared.api.targets import parse_target

    async with opened_services() as services:
        if action == "list":
            states = await services.targets.list()
            if not states:
                print("no targets watched")
            for state in states:
                print(describe_target(state))
            return 0
        raw = {"exchange": args.exchange, "symbol": args.symbol, "timeframe": args.timeframe}
        series = parse_target(services, raw)  # the same checks as PUT/DELETE /api/targets
        if action == "add":
            added = await services.targets.add(series)
            print(f"{'added' if added else 'already watched'}: {series}")
            return 0
        if not await services.targets.remove(series):
            raise TargetNotFoundError(f"{series} is not a watched target")
        print(f"removed: {series}")
        return 0
