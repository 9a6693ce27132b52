"""Telemetry to Application Insights through OpenTelemetry (docs/telemetry.md).

``configure`` sets up the Azure Monitor distro once, at start-up, only when
``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set; ``metrics`` holds the service's instruments and
``spans`` its spans. Both use the OpenTelemetry API only, which does nothing until an SDK is configured:
locally nothing is exported and nothing heavy is imported.
"""

from shared.telemetry.configure import configure_telemetry

__all__ = ["configure_telemetry"]
