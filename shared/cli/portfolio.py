"""``cbdata portfolio [--account NAME] [--json]`` and ``cbdata portfolio sync [--account NAME]``.

The first prints the latest stored snapshot of every account (or one) as a table, or the stored
documents as JSON; the second runs one portfolio sync now (every account, or one) and prints its
summary line, then the table. Settings as for the service (docs/portfolio.md).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import orjson

from shared.cli.console import fail, iso
from shared.cli.services import opened_services
from shared.composition import create_portfolio_sync
from shared.errors import AccountNotFoundError
from shared.portfolio.store import PortfolioStore


async def portfolio_command(args: argparse.Namespace) -> int:
    async with opened_services() as services:
        status = 0
        if args.action == "sync":
            sync = await asyncio.to_thread(create_portfolio_sync, services)
            summary = await sync.run(args.account)
            print(summary.log_line())
            status = 1 if summary.failed else 0
        store = PortfolioStore(services.backend)
        names = [args.account] if args.account else await store.accounts()
        documents = [d for name in names if (d := await store.latest(name)) is not None]
    if args.account and not documents:
        raise AccountNotFoundError(f"no portfolio snapshot for account {args.account!r} yet")
    if args.json:
        print(orjson.dumps({"accounts": documents}, option=orjson.OPT_INDENT_2).decode())
    elif not documents:
        print("no portfolio snapshots yet (configure PORTFOLIO_ACCOUNTS, then run: cbdata portfolio sync)")
    for document in [] if args.json else documents:
        print(table(document))
    if status:
        fail("PORTFOLIO_SYNC_FAILED", "some accounts failed; see the lines above")
    return status


def _num(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(document: dict[str, Any]) -> str:
    where = f"{document['exchange']}, in {document['quote']}"
    head = f"{document['account']} ({where}) at {iso(document['taken_at'])}"
    if document.get("status") != "ok":
        error = document.get("error") or {}
        head += f"  FAILED {error.get('code')}: {error.get('message')}"
        head += f" (assets as of {iso(document['last_ok_at'])})" if document.get("last_ok_at") else ""
    lines = [head, f"  {'asset':8} {'quantity':>16} {'price':>14} {'value':>14} {'avg entry':>14} "
                   f"{'explained':>16} {'P/L':>12} {'P/L %':>8}"]  # fmt: skip
    for a in document.get("assets") or []:
        lines.append(
            f"  {a['asset']:8} {_num(a['quantity'], 8):>16} {_num(a['price'], 4):>14} {_num(a['value']):>14} "
            f"{_num(a['average_entry'], 4):>14} {_num(a['explained_quantity'], 8):>16} "
            f"{_num(a['unrealised_pnl']):>12} {_num(a['unrealised_pnl_pct']):>8}"
        )
    totals = document.get("totals")
    if totals:
        pnl = f"{_num(totals['unrealised_pnl'])} ({_num(totals['unrealised_pnl_pct'])} %)"
        lines.append(f"  total value {_num(totals['value'])}, cost basis {_num(totals['cost_basis'])}, "
                     f"unrealised P/L {pnl}")  # fmt: skip
        if totals.get("unpriced_assets"):
            lines.append(f"  no price for: {', '.join(totals['unpriced_assets'])}")
    return "\n".join(lines)
