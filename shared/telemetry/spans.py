"""Spans for the service's own units of work (a queued job, a request served), through the
OpenTelemetry API: no-ops until an SDK is configured. Attributes carry the series and ids, never a
value from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from shared.errors import DataServiceError

_tracer = trace.get_tracer("cbdata")


@contextmanager
def span(name: str, **attributes: str | int | None) -> Iterator[Span]:
    """A span named ``cbdata.<name>`` with the given attributes (``None`` ones left out); an exception
    marks it failed with its error code and goes on."""
    clean = {f"cbdata.{k}": v for k, v in attributes.items() if v is not None}
    with _tracer.start_as_current_span(f"cbdata.{name}", attributes=clean, record_exception=False) as current:
        try:
            yield current
        except BaseException as exc:
            code = exc.code if isinstance(exc, DataServiceError) else type(exc).__name__
            current.set_attribute("cbdata.error_code", code)
            current.set_status(Status(StatusCode.ERROR, code))
            raise
