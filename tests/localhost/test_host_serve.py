"""``serve.run`` as a process: it prints where it listens and the generated keys, answers with them,
and SIGINT or SIGTERM stops it with exit code 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fixtures.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_serve_prints_keys_answers_and_stops_on_a_signal(tmp_path, signum):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("LOCAL_FUNCTION_KEY", "LOCAL_MASTER_KEY")}
    env.update(STORAGE_TYPE="local", STORAGE_LOCAL_ROOT_PATH=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    env.pop("WebPubSubConnectionString", None)
    code = f"from shared.localhost.serve import run; raise SystemExit(run('127.0.0.1', {port}))"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        lines: list[str] = []
        while not any(line.startswith("stop with") for line in lines):
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        assert f"listening on http://127.0.0.1:{port}" in output
        function_key = next(ln for ln in lines if ln.startswith("function key")).rsplit(" ", 1)[1].strip()
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/api/negotiate"
            async with http.get(url) as response:
                assert response.status == 401
            async with http.get(url, headers={"x-functions-key": function_key}) as response:
                access = await response.json()
            async with http.ws_connect(access["url"], protocols=["json.webpubsub.azure.v1"]) as ws:
                assert (await ws.receive_json(timeout=10))["event"] == "connected"
                process.send_signal(signum)
                assert await asyncio.wait_for(process.wait(), 30) == 0
        rest = (await process.stdout.read()).decode()
        assert "Traceback" not in rest and "Unclosed" not in rest, rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
