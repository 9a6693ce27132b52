"""The ``cbdata`` command line.

For now it checks the configured store and lists what it holds (``cbdata catalog``, the default);
``cbdata serve`` and the backfill commands arrive with the local-host issue under the same name.
Errors print one clear line and exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from shared.errors import DataServiceError


def _iso(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


async def _catalog() -> int:
    from shared.composition import Services
    from shared.settings import load_settings

    settings = load_settings()
    services = Services.create(settings)
    try:
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
            span = f"{_iso(info.first_ts)} .. {_iso(info.last_ts)}"
            print(f"{s.exchange:10} {s.symbol:16} {s.timeframe:4} {span}  {info.count:>10,} candles")
    finally:
        await services.aclose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cbdata", description="cb-trade data service")
    parser.add_argument("command", nargs="?", default="catalog", choices=["catalog"], help="what to do")
    args = parser.parse_args(argv)
    try:
        if args.command == "catalog":
            return asyncio.run(_catalog())
    except DataServiceError as exc:
        print(f"cbdata: {exc}", file=sys.stderr)
        return 2
    return 1
