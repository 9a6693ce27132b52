"""In-memory OpenTelemetry for tests: the SDK's own exporters and reader, installed as the global
providers once per process (OpenTelemetry refuses a second global provider), and a log handler on the
``shared`` logger, with the context filter, as ``configure_telemetry`` sets up the distro's.

    def test_x(telemetry): ...; telemetry.logs(), telemetry.spans(), telemetry.points("cbdata.errors")
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.configure import LOGGER_NAME, add_context_to


@dataclass
class Telemetry:
    spans_exporter: InMemorySpanExporter
    logs_exporter: InMemoryLogRecordExporter
    reader: InMemoryMetricReader
    logger_provider: LoggerProvider

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_exporter.get_finished_spans())

    def logs(self) -> list[Any]:
        return [data.log_record for data in self.logs_exporter.get_finished_logs()]

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, value) of every data point of metric ``name`` (a sum's value, a histogram's count)."""
        found = []
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            value = getattr(point, "value", None)
                            found.append(
                                (dict(point.attributes or {}), point.count if value is None else value)
                            )
        return found

    def total(self, name: str, **attributes: Any) -> Any:
        return sum(v for a, v in self.points(name) if all(a.get(k) == w for k, w in attributes.items()))


_installed: Telemetry | None = None


def _install() -> Telemetry:
    global _installed
    if _installed is None:
        spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
        trace.set_tracer_provider(tracer_provider)
        reader = InMemoryMetricReader()
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
        logs = InMemoryLogRecordExporter()
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
        _logs.set_logger_provider(logger_provider)
        _installed = Telemetry(spans, logs, reader, logger_provider)
    return _installed


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    installed = _install()
    installed.spans_exporter.clear()
    installed.logs_exporter.clear()
    installed.reader.get_metrics_data()  # cumulative: tests compare totals before and after
    handler = LoggingHandler(logger_provider=installed.logger_provider)  # the distro's handler
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    add_context_to(logger)
    try:
        yield installed
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        installed.spans_exporter.clear()
        installed.logs_exporter.clear()
