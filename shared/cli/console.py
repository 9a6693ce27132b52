"""What every ``cbdata`` command prints with: the one-line failure, the short UTC time, JSON output,
and the one error that means "the command line is wrong" (exit 2)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from shared.errors import DataServiceError


class UsageError(DataServiceError):
    """The command line is wrong (an unknown option, a time that does not parse): exit 2. Every other
    failure, also one the service or an exchange reports about what was asked, exits 1. The command
    line's own: never shown to a client of the service."""

    code = "USAGE"


def fail(code: str, message: str) -> None:
    """The one line every failure prints."""
    print(f"cbdata: {code}: {message}", file=sys.stderr, flush=True)


def iso(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def print_json(document: Any) -> None:
    """One JSON document on stdout, for scripts (``--json``)."""
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def time_argument(name: str, value: str) -> int:
    """``--start``/``--end``: ISO-8601 (UTC when no offset) or epoch milliseconds."""
    from shared.api.requests import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise UsageError(f"--{name}: {exc}") from None
