"""The ``cbdata`` command line (``python -m shared`` runs the same).

- ``cbdata serve [--host H] [--port P]``: the whole function app on this machine (``shared.localhost``);
- ``cbdata fetch EXCHANGE SYMBOL TIMEFRAME --start T --end T [--format csv|json|parquet] [-o FILE]``:
  the gap-filling fetch in this process, with a progress bar, written as a file or to stdout;
- ``cbdata sync``: one sync run of every watched target, now;
- ``cbdata catalog [--json]``: what the store holds;
- ``cbdata targets list [--json] | add EXCHANGE SYMBOL TIMEFRAME | remove EXCHANGE SYMBOL TIMEFRAME``;
- ``cbdata store migrate``: move a store of an older layout into the current one;
- ``cbdata store delete EXCHANGE SYMBOL TIMEFRAME [--start T --end T]``: remove candles and coverage.
- ``cbdata portfolio [sync] [--account NAME] [--json]``: the latest portfolio snapshots; ``sync`` first
  runs one portfolio sync now (docs/portfolio.md).

A bare ``cbdata`` prints the help. Every failure prints one line ``cbdata: CODE: message`` on stderr
and exits non-zero: 2 for usage errors only (the command line is wrong), 1 for every other failure
(the service's, an exchange's, the storage's, unexpected ones), 130 on Ctrl-C. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import NoReturn

from shared.cli.console import UsageError, fail
from shared.errors import DataServiceError

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
DISTRIBUTION = "cb-trade-data-service"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error (and not a ``SystemExit``)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cbdata", description="cb-trade data service: complete OHLCV candles")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the function app locally (HTTP + Web PubSub)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7071, help="port to listen on (default 7071)")

    fetch = commands.add_parser("fetch", help="fetch a range (filling gaps) and write it out")
    _series_arguments(fetch)
    fetch.add_argument("--start", required=True, help="first candle: ISO-8601 (UTC) or epoch ms")
    fetch.add_argument("--end", required=True, help="end of the range, excluded: ISO-8601 or epoch ms")
    fetch.add_argument("--format", choices=["csv", "json", "parquet"], default=None,
                       help="output format (default: from the -o suffix, else csv)")  # fmt: skip
    fetch.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    fetch.add_argument("--progress", action="store_true", help="show the progress bar even when not a TTY")

    commands.add_parser("sync", help="sync every watched target now")
    catalog = commands.add_parser("catalog", help="list the stored series")
    catalog.add_argument("--json", action="store_true", help="one JSON document, for scripts")

    targets = commands.add_parser("targets", help="the watched targets the timer syncs")
    actions = targets.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list the targets and their last sync")
    listing.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    add = actions.add_parser("add", help="watch a series")
    _series_arguments(add)
    add.add_argument("--retention-days", type=int, default=None, metavar="N",
                     help="the sync deletes this series' candles older than N days")  # fmt: skip
    _series_arguments(actions.add_parser("remove", help="stop watching a series"))

    portfolio = commands.add_parser("portfolio", help="exchange accounts' portfolios (sync: one run now)")
    portfolio.add_argument("action", nargs="?", choices=["show", "sync"], default="show")
    portfolio.add_argument("--account", default=None, help="one account (default: all)")
    portfolio.add_argument("--json", action="store_true", help="the stored documents as JSON")

    store = commands.add_parser("store", help="maintain the store: migrate its layout, delete candles")
    chores = store.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    chores.add_parser("migrate", help="move a store of an older layout into the current one")
    delete = chores.add_parser("delete", help="delete a series, or a range of it, with its coverage")
    _series_arguments(delete)
    delete.add_argument("--start", default=None, help="first candle to delete: ISO-8601 (UTC) or epoch ms")
    delete.add_argument("--end", default=None, help="end of the deleted range, excluded")
    return parser


def _series_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exchange", help="ccxt exchange id, e.g. binance")
    parser.add_argument("symbol", help="ccxt unified symbol, e.g. BTC/USDT")
    parser.add_argument("timeframe", help="e.g. 1m, 1h, 1d")


def _serve(args: argparse.Namespace) -> int:
    from shared.localhost.serve import run  # the local host pulls in aiohttp and the app: import late

    return run(args.host, args.port)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    command = args.command
    if args.version:
        from importlib.metadata import version

        print(f"cbdata {version(DISTRIBUTION)}")
        return 0
    if command is None:
        parser.print_help()
        return 0
    if command == "serve":
        return _serve(args)  # the local host configures its own logging
    logging.basicConfig(level=logging.WARNING, format="cbdata: %(levelname)s %(name)s: %(message)s")
    if command == "fetch":
        from shared.cli.fetch import fetch_command

        return asyncio.run(fetch_command(args))
    if command == "targets":
        from shared.cli.targets import targets_command

        return asyncio.run(targets_command(args.action, args))
    if command == "portfolio":
        from shared.cli.portfolio import portfolio_command

        return asyncio.run(portfolio_command(args))
    if command == "store":
        from shared.cli.maintenance import maintenance_command

        return asyncio.run(maintenance_command(args.action, args))
    from shared.cli import store

    if command == "sync":
        return asyncio.run(store.sync_command())
    return asyncio.run(store.catalog_command(as_json=args.json))


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        return _dispatch(parser, parser.parse_args(argv))
    except UsageError as exc:
        fail(exc.code, exc.message)
        return EXIT_USAGE
    except DataServiceError as exc:
        fail(exc.code, exc.message)
        return EXIT_ERROR
    except KeyboardInterrupt:
        fail("INTERRUPTED", "stopped by Ctrl-C")
        return EXIT_INTERRUPTED
    except ImportError as exc:  # an optional part not installed, or run outside the project's folder
        fail("IMPORT_ERROR", str(exc))
        return EXIT_ERROR
    except OSError as exc:  # an output file that cannot be written, a port in use, ...
        fail("OS_ERROR", f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": "))
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            raise
        # anything else may hold anything (a URL with a key): only its type, as in the service
        fail("INTERNAL_ERROR", f"unexpected {type(exc).__name__} (run with --debug for the traceback)")
        return EXIT_ERROR
