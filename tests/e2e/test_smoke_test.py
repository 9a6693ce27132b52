"""scripts/smoke-test for real against `cbdata serve` (exchange emulator, Web PubSub stand-in, official
client): it passes on a working service and fails, naming the step, on a wrong key or no service."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from tests.e2e.conftest import FUNCTION_KEY, ROOT, Server
from tests.fixtures.azurite import free_port

SCRIPT = ROOT / "scripts" / "smoke-test"


async def smoke(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the script in a thread: the emulator serves from this test's event loop meanwhile."""
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable}
    command = [str(SCRIPT), *args]
    return await asyncio.to_thread(
        subprocess.run, command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )


@pytest.mark.parametrize("server", ["local"], indirect=True)
async def test_smoke_test_passes_against_a_working_service(server: Server):
    done = await smoke(
        "--url", server.url, "--key", FUNCTION_KEY, "--timeout", "120", "--settle-seconds", "5"
    )
    assert done.returncode == 0, done.stdout + done.stderr + server.log()[-3000:]
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok   health",
        "ok   negotiate",
        "ok   web pubsub",
        "ok   candles",
        "ok   http",
        "smoke-test",
    ]
    assert "60 candles" in done.stdout  # an hour of 1m candles, all of them
    assert lines[-1] == "smoke-test: PASSED"


@pytest.mark.parametrize("server", ["local"], indirect=True)
async def test_smoke_test_fails_on_a_wrong_key(server: Server):
    done = await smoke("--url", server.url, "--key", "not-the-key", "--timeout", "30")
    assert done.returncode == 1
    assert "smoke-test: FAILED at negotiate:" in done.stderr
    assert "not-the-key" not in done.stdout + done.stderr


async def test_smoke_test_fails_when_nothing_answers():
    done = await smoke("--url", f"http://127.0.0.1:{free_port()}", "--key", "k", "--timeout", "10")
    assert done.returncode == 1
    assert "smoke-test: FAILED at health: cannot reach" in done.stderr


async def test_smoke_test_says_what_is_missing():
    done = await smoke("--key", "k")
    assert done.returncode == 2 and "--url" in done.stderr
