"""configure_telemetry: nothing without APPLICATIONINSIGHTS_CONNECTION_STRING (no distro import), the
distro once with it (our logger gets its handler, with the context filter), a warning and no failure
when it cannot be configured. Each case runs in a fresh interpreter: the distro sets process globals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.telemetry.configure import managed_identity_credential
from tests.fixtures.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, logging, sys
import function_app  # configures at import, as the worker does when it indexes the app
from shared.logging_config import ContextFilter
from shared.telemetry import configure_telemetry
again = configure_telemetry()
handlers = logging.getLogger("shared").handlers
print(json.dumps({
    "distro_imported": "azure.monitor.opentelemetry" in sys.modules,
    "again": again,
    "handlers": [type(h).__name__ for h in handlers],
    "with_context": [any(isinstance(f, ContextFilter) for f in h.filters) for h in handlers],
}))
"""


def _probe(**env: str) -> tuple[dict, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("APPLICATIONINSIGHTS_")}
    clean.update(env, APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL="true")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_nothing_is_configured_or_imported_without_a_connection_string():
    result, _ = _probe()
    assert result == {"distro_imported": False, "again": False, "handlers": [], "with_context": []}


def test_the_distro_is_configured_once_with_our_context_filter():
    dead = f"http://127.0.0.1:{free_port()}/"  # nothing listens: exports fail quietly, offline
    connection = f"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint={dead}"
    result, _ = _probe(APPLICATIONINSIGHTS_CONNECTION_STRING=connection)
    assert result["distro_imported"] is True and result["again"] is True
    assert result["handlers"] == ["LoggingHandler"]  # one, though configure ran twice
    assert result["with_context"] == [True]


def test_a_broken_setting_warns_and_never_stops_start_up():
    result, stderr = _probe(APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=not-a-guid;nonsense")
    assert result["again"] is False and result["handlers"] == []
    assert "telemetry: Application Insights not configured" in stderr
    assert "not-a-guid" not in stderr


@pytest.mark.parametrize("value", [None, "", "Authorization=Key", "ClientId=abc"])
def test_no_credential_unless_entra_id_is_asked_for(value):
    assert managed_identity_credential(value) is None


def test_entra_id_uses_the_named_managed_identity():
    from azure.identity import ManagedIdentityCredential

    credential = managed_identity_credential(
        "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD"
    )
    assert isinstance(credential, ManagedIdentityCredential)
