"""``cbdata catalog`` and ``cbdata sync``: what the store holds, and one sync run now.

Each command builds the services from the settings (``load_settings``: environment, ``.env``,
``./local.settings.json``), does its one job and always closes them (``services.opened_services``).
"""

from __future__ import annotations

from shared.cli.console import fail, iso, print_json
from shared.cli.services import opened_services


async def catalog_command(*, as_json: bool = False) -> int:
    """What the store holds. Reads only: no probe write, no lock file, no layout marker."""
    async with opened_services() as services:
        settings = services.settings
        series = await services.candles.catalog()  # a listing: fails with STORAGE_ERROR when unreachable
        where = (
            str(settings.storage.local_root_path.resolve())
            if settings.storage.type == "local"
            else f"container {settings.storage.azure_container_name!r}"
        )
    if as_json:
        print_json(
            {
                "storage": {"type": settings.storage.type, "location": where},
                "series": [
                    {
                        "exchange": i.series.exchange,
                        "symbol": i.series.symbol,
                        "timeframe": i.series.timeframe,
                        "first": i.first_ts,
                        "last": i.last_ts,
                        "count": i.count,
                        "partitions": i.partitions,
                    }
                    for i in series
                ],
            }
        )
        return 0
    print(f"storage: {settings.storage.type} ({where}) is reachable")
    if not series:
        print("no candles stored yet")
    for info in series:
        s = info.series
        span = f"{iso(info.first_ts)} .. {iso(info.last_ts)}"
        print(f"{s.exchange:10} {s.symbol:16} {s.timeframe:4} {span}  {info.count:>10,} candles")
    return 0


async def sync_command() -> int:
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
