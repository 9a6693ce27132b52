"""``cbdata store migrate`` and ``cbdata store delete``: looking after the store itself."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from shared.cli.console import UsageError, iso, time_argument
from shared.cli.services import opened_services
from shared.series import SeriesKey


async def maintenance_command(action: str, args: argparse.Namespace) -> int:
    if action == "migrate":
        return await migrate_command(progress=sys.stderr.isatty())
    return await delete_command(args)


async def migrate_command(*, progress: bool) -> int:
    from shared.store.migration import migrate

    async with opened_services() as services:
        bar: tqdm | None = None

        def on_object(done: int, total: int) -> None:
            nonlocal bar
            if progress and bar is None:
                bar = tqdm(total=total, unit=" partitions", desc="migrating", file=sys.stderr)
            if bar is not None:
                bar.update(done - bar.n)

        try:
            report = await migrate(services.backend, on_object=on_object)
        finally:
            if bar is not None:
                bar.close()
    print(report.summary())
    return 0


async def delete_command(args: argparse.Namespace) -> int:
    from shared.store.removal import delete_candles

    start = None if args.start is None else time_argument("start", args.start)
    end = None if args.end is None else time_argument("end", args.end)
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--start ({iso(start)}) must be before --end ({iso(end)})")
    async with opened_services() as services:
        series = SeriesKey(args.exchange, args.symbol, args.timeframe)
        result = await delete_candles(services.store, series, start, end)
    span = "" if start is None and end is None else f" from {iso(start)} to {iso(end)}"
    print(
        f"deleted {result.candles_deleted:,} candles of {series}{span} "
        f"({result.partitions_rewritten} partitions rewritten, {result.partitions_removed} removed); "
        "the next request for that range fetches it again"
    )
    return 0
