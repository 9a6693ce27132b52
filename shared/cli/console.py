"""What every ``cbdata`` command prints with: the one-line failure and the short UTC time."""

from __future__ import annotations

import sys
from datetime import UTC, datetime


def fail(code: str, message: str) -> None:
    """The one line every failure prints."""
    print(f"cbdata: {code}: {message}", file=sys.stderr, flush=True)


def iso(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
