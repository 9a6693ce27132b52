"""``cbdata serve``: run the function app and the Web PubSub stand-in on this machine until stopped.

``run(host, port)`` blocks; SIGINT (Ctrl-C) or SIGTERM stops it cleanly (timers and queue consumers
cancelled, sockets closed, services closed) and it returns 0; a configuration error prints one line
and returns 2. When ``WebPubSubConnectionString`` is unset a key is generated and the setting pointed
at this server (``Endpoint=http://<host>:<port>;AccessKey=...``), so the app's sender talks to the
stand-in; unset ``LOCAL_FUNCTION_KEY`` / ``LOCAL_MASTER_KEY`` are generated and printed once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

import shared
from shared.errors import ConfigurationError, DataServiceError
from shared.localhost.host import LocalHost
from shared.localhost.host.bindings import index
from shared.localhost.host.keys import HostKeys
from shared.settings import Settings, load_settings


def run(host: str = "127.0.0.1", port: int = 7071) -> int:
    try:
        return asyncio.run(serve(host, port))
    except DataServiceError as exc:  # a wrong setting, a store of an older layout, storage unreachable
        print(f"cbdata serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the port is taken, the address is not ours
        print(f"cbdata serve: cannot listen on {host}:{port} ({exc.strerror or exc})", file=sys.stderr)
        return 1


async def serve(host: str, port: int, stop: asyncio.Event | None = None) -> int:
    """Serve until ``stop`` is set or SIGINT/SIGTERM arrives."""
    from shared import runtime
    from shared.composition import Services
    from shared.logging_config import configure_logging

    port = port or _free_port(host)
    settings = await asyncio.to_thread(settings_for, host, port)
    configure_logging(settings.log.level)
    os.environ.setdefault("WEBPUBSUB_HUB", settings.webpubsub_hub)  # function_app reads it at import
    services = Services.create(settings)
    try:
        await services.store.ensure_layout()  # refuse an older layout before listening, naming the fix
        functions = index(_function_app().app.get_functions())
    except BaseException:
        await services.aclose()
        raise
    keys = HostKeys.from_settings(settings)
    server = LocalHost(functions, services, host=host, port=port, keys=keys)
    stop = stop or asyncio.Event()
    handled = _on_signals(stop)
    try:
        await server.start()
        print(banner(server, settings), flush=True)
        await stop.wait()
        print("stopping", flush=True)
    finally:
        for signum in handled:
            asyncio.get_running_loop().remove_signal_handler(signum)
        try:
            await server.stop()
        finally:
            await services.aclose()
            await runtime.reset()
    return 0


def settings_for(host: str, port: int) -> Settings:
    """The settings, with a generated Web PubSub connection string for the stand-in when none is set.
    It is passed as a settings override, not written to ``os.environ``: the local host installs these
    services for every function (``runtime.install``), and nothing else reads the variable."""
    settings = load_settings()
    if settings.webpubsub_connection_string is None:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        connection = f"Endpoint={_url(host, port)};AccessKey={key};Version=1.0;"
        settings = load_settings(webpubsub_connection_string=connection)
    return settings


def _function_app():
    # The Functions host imports function_app.py from the app's folder. ``cbdata serve`` looks in the
    # current directory first, then beside the installed ``shared`` package (a checkout of this repo).
    checkout = str(Path(shared.__file__).resolve().parents[1])
    for folder in (None, os.getcwd(), checkout):
        if folder is not None and folder not in sys.path:
            sys.path.insert(0, folder)
        try:
            return importlib.import_module("function_app")
        except ModuleNotFoundError as exc:
            if exc.name != "function_app":
                raise
    raise ConfigurationError("function_app.py not found: run `cbdata serve` in the app's folder")


def _on_signals(stop: asyncio.Event) -> list[signal.Signals]:
    loop, handled = asyncio.get_running_loop(), []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows, not main thread
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    return handled


def banner(server: LocalHost, settings: Settings) -> str:
    url, keys = server.url, server.keys
    key = server.function_key if keys.function_key_generated else "$LOCAL_FUNCTION_KEY"
    lines = [f"listening on {url}"]
    if keys.function_key_generated:
        lines.append(f"function key (generated; set LOCAL_FUNCTION_KEY to keep one): {server.function_key}")
    if keys.master_key_generated:
        lines.append(f"master key (generated; set LOCAL_MASTER_KEY to keep one): {server.master_key}")
    lines += [
        f"negotiate: {url}/api/negotiate (header x-functions-key or ?code=)",
        f"Web PubSub stand-in: {url.replace('http', 'ws', 1)}/client/hubs/{settings.webpubsub_hub}",
        f"storage: {settings.storage.type}"
        + (f" ({settings.storage.local_root_path})" if settings.storage.type == "local" else ""),
        "try:",
        f'  curl -H "x-functions-key: {key}" '
        f'"{url}/api/ohlcv?exchange={settings.ccxt.default_exchange}&symbol=BTC/USDT&timeframe=1h'
        f'&start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z"',
        "stop with Ctrl-C",
    ]
    return "\n".join(lines)


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
