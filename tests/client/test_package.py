"""The client is a package of its own: built from client/ and installed into a fresh venv, it brings
only the Web PubSub client SDK, and nothing of the server (no ``shared``, no ccxt, pyarrow, orjson).

The fresh venv installs with ``pip --no-index --find-links .venv/client-wheels`` (the wheels
./scripts/setup downloaded), so the test needs no network.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / ".venv" / "client-wheels"
PROBE = """
import importlib.util, json, cbdata_client
from cbdata_client import CandleClient
client = CandleClient("http://127.0.0.1:9", "key")
try:
    client.historical_df("binance", "BTC/USDT", "1m", 0, 1)
    frame_error = None
except ImportError as exc:
    frame_error = str(exc)
import azure.messaging.webpubsubclient.aio  # the asyncio client the CandleClient uses (needs [aio])
print(json.dumps({
    "file": cbdata_client.__file__,
    "found": {m: importlib.util.find_spec(m) is not None
              for m in ("shared", "ccxt", "pyarrow", "pandas", "orjson", "azure.messaging.webpubsubclient")},
    "frame_error": frame_error,
}))
"""


def run(*argv: str | Path) -> str:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_client_installs_alone_into_a_fresh_venv(tmp_path):
    assert WHEELS.is_dir(), "run ./scripts/setup: it downloads the client's dependency wheels"
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", WHEELS, ROOT / "client")
    listed = json.loads(run(python, "-m", "pip", "list", "--format=json"))
    installed = {item["name"].lower().replace("_", "-") for item in listed}
    assert "cbdata-client" in installed and "azure-messaging-webpubsubclient" in installed
    server_only = {
        "cb-trade-data-service",
        "ccxt",
        "pyarrow",
        "orjson",
        "azure-storage-blob",
        "pydantic",
        "numpy",
    }
    assert not installed & server_only
    probe = json.loads(run(python, "-I", "-c", PROBE))  # -I: not this checkout's folder on sys.path
    assert Path(probe["file"]).is_relative_to(venv)  # the installed copy, not the checkout
    assert probe["found"] == {
        "shared": False,
        "ccxt": False,
        "pyarrow": False,
        "pandas": False,
        "orjson": False,
        "azure.messaging.webpubsubclient": True,
    }
    assert "pip install 'cbdata-client[pandas]'" in probe["frame_error"]
