"""``configure_telemetry()``: the Azure Monitor OpenTelemetry distro, once per process, when asked for.

Following "Use OpenTelemetry with Azure Functions" (Python): host.json ``"telemetryMode":
"OpenTelemetry"``, the app setting ``PYTHON_ENABLE_OPENTELEMETRY=true`` (the host lets the worker send
its own logs and traces, no duplicates), and ``configure_azure_monitor()`` in the app. Here that call
happens only when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set, the distro is imported only then
(a few hundred milliseconds), and any failure is a warning: telemetry never stops the service starting.

With ``APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=<id>;Authorization=AAD`` (what the Bicep
sets; Application Insights refuses key-only ingestion there) the exporter authenticates with that
managed identity.

Logs: the distro's handler goes on the ``shared`` logger (our records only, not every library's) and
gets ``ContextFilter``, so the bound context (request id, series, connection, job, error code) arrives
as custom dimensions. Dependencies: the distro's Azure SDK instrumentation traces Blob, Queue and Web
PubSub calls. Exchange HTTP (aiohttp inside ccxt) is not traced: a private call's URL carries its
signature, and a span would export it; ``cbdata.exchange.requests`` counts those calls instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from shared.logging_config import ContextFilter
from shared.redaction import RedactionFilter

log = logging.getLogger(__name__)
CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
AUTHENTICATION_SETTING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
LOGGER_NAME = "shared"

_configured = False


def configure_telemetry(environ: Mapping[str, str] | None = None) -> bool:
    """Configure Azure Monitor once; ``True`` when telemetry is (now or already) exported."""
    global _configured
    if _configured:
        return True
    env = os.environ if environ is None else environ
    connection_string = env.get(CONNECTION_SETTING)
    if not connection_string:
        return False
    try:
        from azure.monitor.opentelemetry import configure_azure_monitor

        options: dict[str, Any] = {"connection_string": connection_string, "logger_name": LOGGER_NAME}
        credential = managed_identity_credential(env.get(AUTHENTICATION_SETTING))
        if credential is not None:
            options["credential"] = credential
        configure_azure_monitor(**options)
    except Exception as exc:  # never stop start-up for telemetry; the message names no value
        log.warning("telemetry: Application Insights not configured (%s)", type(exc).__name__)
        return False
    add_context_to(logging.getLogger(LOGGER_NAME))
    _configured = True
    log.info("telemetry: exporting to Application Insights")
    return True


def add_context_to(logger: logging.Logger) -> None:
    """Give every handler of ``logger`` the context filter and the redaction filter (idempotent): the
    exporter sees our records before the root handlers do, so it masks secrets itself."""
    for handler in logger.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(RedactionFilter())


def managed_identity_credential(authentication: str | None) -> Any:
    """``ClientId=<id>;Authorization=AAD`` -> a ``ManagedIdentityCredential`` for that client id
    (``None`` when the setting is unset or does not ask for Entra ID)."""
    if not authentication:
        return None
    parts = dict(p.split("=", 1) for p in authentication.split(";") if "=" in p)
    if parts.get("Authorization", "").upper() != "AAD":
        return None
    from azure.identity import ManagedIdentityCredential

    client_id = parts.get("ClientId") or None
    return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
