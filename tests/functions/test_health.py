"""function_app.py through the azure.functions programming model: registered functions and a real request."""

import json
import subprocess
import sys
from pathlib import Path

import azure.functions as func

ROOT = Path(__file__).resolve().parents[2]


def test_health_route_is_registered_anonymous_get():
    from tests.functions.registered import bindings as bindings_of

    bindings = bindings_of("health")
    trigger = next(b for b in bindings if b["type"] == "httpTrigger")
    assert trigger["route"] == "health" and trigger["methods"] == ["GET"]
    assert trigger["authLevel"].upper() == "ANONYMOUS"


async def test_health_answers_with_storage_reachability(tmp_path, monkeypatch):
    import function_app
    from shared import runtime

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WebPubSubConnectionString", raising=False)  # only storage is checked here
    monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "data"))
    await runtime.reset()
    try:
        response = await function_app.health(func.HttpRequest(method="GET", url="/api/health", body=b""))
        assert response.status_code == 200
        assert json.loads(response.get_body()) == {
            "status": "ok",
            "parts": {"storage": {"status": "ok", "code": "OK", "type": "local"}},
        }
        (tmp_path / "blocker").write_text("a file where the store's root folder should be")
        await runtime.reset()
        monkeypatch.setenv("STORAGE_LOCAL_ROOT_PATH", str(tmp_path / "blocker" / "data"))
        response = await function_app.health(func.HttpRequest(method="GET", url="/api/health", body=b""))
        assert response.status_code == 503
        assert json.loads(response.get_body())["parts"]["storage"] == {
            "status": "down",
            "code": "STORAGE_UNREACHABLE",
            "type": "local",
        }
    finally:
        await runtime.reset()


def test_importing_the_app_loads_neither_ccxt_nor_the_azure_storage_sdk():
    code = "import sys, function_app; print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('ccxt', 'azure.storage'))}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_health_reports_a_service_that_cannot_start(tmp_path, monkeypatch):
    import function_app
    from shared import runtime

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WebPubSubConnectionString", raising=False)  # only storage is checked here
    monkeypatch.setenv("STORAGE_TYPE", "blob")
    await runtime.reset()
    try:
        response = await function_app.health(func.HttpRequest(method="GET", url="/api/health", body=b""))
        assert response.status_code == 503
        assert json.loads(response.get_body()) == {"status": "down", "code": "CONFIGURATION_ERROR"}
    finally:
        await runtime.reset()
