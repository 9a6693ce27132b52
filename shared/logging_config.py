"""One logging set-up for the service, under the Azure Functions host and locally.

* Modules log through ``logging.getLogger(__name__)``; nothing but ``configure_logging`` touches
  handlers.
* ``log_context(exchange=..., symbol=..., timeframe=..., request_id=...)`` binds fields for the
  current task (``contextvars``: each asyncio task sees its own); ``ContextFilter`` copies them onto
  every record (``record.exchange`` ... and ``record.log_context``, e.g. ``[req=ab12 binance:BTC/USDT:1m] ``).
* Under the host the worker already has a handler on the root logger that forwards to Application
  Insights: we only set levels, add the filter, and give that handler a formatter that puts the
  context in front of the message if it has none. Locally a stream handler with a readable format.
* Values from clients are escaped (``safe``): no newline or control character can forge a log line.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

from shared.redaction import RedactionFilter

CONTEXT_FIELDS = ("request_id", "exchange", "symbol", "timeframe")
NOISY_LOGGERS = (  # never more verbose than WARNING, whatever LOG_LEVEL says (ccxt logs headers at DEBUG)
    "azure",
    "azure.core.pipeline",
    "azure.identity",
    "azure.storage",
    "urllib3",
    "asyncio",
    "aiohttp.access",
    "ccxt",
)
LOCAL_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(log_context)s%(message)s"
HOST_FORMAT = "%(log_context)s%(message)s"
MAX_FIELD_LENGTH = 200

_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039 (never mutated)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe(value: Any, max_length: int = MAX_FIELD_LENGTH) -> str:
    """A client-supplied value made safe for one log line: control characters escaped repr-style
    (``\\n``, ``\\x1b``), backslashes doubled, truncated to ``max_length`` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > max_length:
        text = text[:max_length] + "..."
    return _escape(text.replace("\\", "\\\\"))


def _escape(text: str) -> str:
    return _UNSAFE.sub(lambda m: repr(m.group(0))[1:-1], text)


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, str]]:
    """Bind context fields (escaped) for the current task until the block ends; nests and merges.
    ``None`` values are ignored."""
    current = dict(_context.get())
    current.update({k: safe(v) for k, v in fields.items() if v is not None})
    token = _context.set(current)
    try:
        yield current
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get())


def format_context(fields: dict[str, str]) -> str:
    """``[req=ab12 binance:BTC/USDT:1m] `` (empty string when nothing is bound)."""
    parts = [f"req={fields['request_id']}"] if "request_id" in fields else []
    series = ":".join(fields[k] for k in ("exchange", "symbol", "timeframe") if k in fields)
    parts += [series] if series else []
    parts += [f"{k}={v}" for k, v in sorted(fields.items()) if k not in CONTEXT_FIELDS]
    return f"[{' '.join(parts)}] " if parts else ""


class ContextFilter(logging.Filter):
    """Puts the bound context on every record it sees (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "log_context"):
            fields = _context.get()
            for name in CONTEXT_FIELDS:
                setattr(record, name, fields.get(name, "-"))
            for name, value in fields.items():  # job_id, connection_id...: attributes (custom dimensions)
                if not hasattr(record, name):
                    setattr(record, name, value)
            record.log_context = format_context(fields)
        return True


class SafeFormatter(logging.Formatter):
    """Escapes control characters in the message (a traceback keeps its own lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _escape(record.message)
        return super().formatMessage(record)


class _LocalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so a second call does not add another."""


def running_under_functions_host() -> bool:
    """The Python worker sets FUNCTIONS_WORKER_RUNTIME for the process and is imported before us."""
    worker = any(m in sys.modules for m in ("azure_functions_worker", "proxy_worker"))
    return worker or bool(os.environ.get("FUNCTIONS_WORKER_RUNTIME") and logging.getLogger().handlers)


def configure_logging(
    level: str | int = "INFO",
    *,
    host: bool | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Idempotent: calling it again changes the level, never adds a second handler or filter.
    ``host`` forces the Functions-host mode (default: detected); ``stream`` is for the local handler;
    every root handler masks secrets (``shared.redaction``; the composition root registers them)."""
    root = logging.getLogger()
    root.setLevel(level)
    under_host = running_under_functions_host() if host is None else host
    if under_host:
        handlers = [h for h in root.handlers if not isinstance(h, _LocalHandler)]
        for handler in handlers:
            if handler.formatter is None:
                handler.setFormatter(SafeFormatter(HOST_FORMAT))
    else:
        local = next((h for h in root.handlers if isinstance(h, _LocalHandler)), None)
        if local is None:
            local = _LocalHandler(stream or sys.stderr)
            local.setFormatter(SafeFormatter(LOCAL_FORMAT))
            root.addHandler(local)
        elif stream is not None:
            local.setStream(stream)
        handlers = [local]
    for handler in handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(RedactionFilter())  # after ContextFilter: it cleans the context too
    quiet = max(logging.WARNING, root.level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
