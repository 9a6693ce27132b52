"""``cbdata targets list | add | remove``: the watched targets, with the same checks as ``/api/targets``."""

from __future__ import annotations

import argparse
from typing import Any

from shared.cli.console import iso, print_json
from shared.cli.services import opened_services
from shared.errors import TargetNotFoundError
from shared.sync.state import TargetState


def describe_target(state: TargetState) -> str:
    s = state.series
    if state.last_status is None:
        last = "never synced"
    elif state.last_status == "ok":
        last = f"ok at {iso(state.last_run_at)}, {state.candles_added:,} candles added"
    else:
        last = f"failed at {iso(state.last_run_at)}: {state.last_error_code} {state.last_error_message}"
    kept = f" (keeps {state.retention_days} days)" if state.retention_days else ""
    return f"{s.exchange:10} {s.symbol:16} {s.timeframe:4} {last}{kept}"


async def targets_command(action: str, args: argparse.Namespace) -> int:
    from shared.api.targets import parse_put

    async with opened_services() as services:
        if action == "list":
            states = await services.targets.list()
            if getattr(args, "json", False):
                print_json({"targets": [state.to_dict() for state in states]})
                return 0
            if not states:
                print("no targets watched")
            for state in states:
                print(describe_target(state))
            return 0
        raw: dict[str, Any] = {"exchange": args.exchange, "symbol": args.symbol, "timeframe": args.timeframe}
        if action == "add" and args.retention_days is not None:
            raw["retention_days"] = args.retention_days
        series, retention = parse_put(services, raw)  # the same checks as PUT/DELETE /api/targets
        if action == "add":
            added = await services.targets.add(series, retention)
            kept = f", candles older than {retention} days deleted by the sync" if retention else ""
            print(f"{'added' if added else 'already watched'}: {series}{kept}")
            return 0
        if not await services.targets.remove(series):
            raise TargetNotFoundError(f"{series} is not a watched target")
        print(f"removed: {series}")
        return 0
