"""``cbdata sync``, ``targets``, ``serve`` routing, the default command, and Ctrl-C."""

from __future__ import annotations

import pytest

import shared.cli.fetch
from shared.cli import main

pytestmark = pytest.mark.emulator


async def test_targets_add_list_remove_then_sync(cli_env, capsys):
    assert await cli_env.run("targets", "list") == 0
    assert "no targets watched" in capsys.readouterr().out

    assert await cli_env.run("targets", "add", "binance", "BTC/USDT", "1h") == 0
    assert await cli_env.run("targets", "add", "okx", "BTC/USDT", "1h") == 0
    assert await cli_env.run("targets", "add", "okx", "BTC/USDT", "1h") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["added: binance:BTC/USDT:1h", "added: okx:BTC/USDT:1h", "already watched: okx:BTC/USDT:1h"]

    assert await cli_env.run("sync") == 0
    out = capsys.readouterr().out
    assert "sync run: 2 targets ok, 0 failed" in out
    assert await cli_env.run("catalog") == 0
    out = capsys.readouterr().out
    assert "binance" in out and "okx" in out and out.count("BTC/USDT") == 2

    assert await cli_env.run("targets", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(" ok at " in line and "candles added" in line for line in lines)

    assert await cli_env.run("targets", "remove", "okx", "BTC/USDT", "1h") == 0
    assert capsys.readouterr().out.strip() == "removed: okx:BTC/USDT:1h"
    assert await cli_env.run("targets", "remove", "okx", "BTC/USDT", "1h") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cbdata: TARGET_NOT_FOUND: okx:BTC/USDT:1h is not a watched target"]


async def test_a_failing_target_makes_sync_exit_1(cli_env, capsys):
    assert await cli_env.run("targets", "add", "binance", "NOPE/USDT", "1h") == 0
    capsys.readouterr()
    assert await cli_env.run("sync") == 1
    captured = capsys.readouterr()
    assert "0 targets ok, 1 failed" in captured.out and "COIN_NOT_AVAILABLE" in captured.out
    assert "cbdata: SYNC_FAILED: 1 of 1 targets failed" in captured.err.splitlines()


async def test_targets_refuse_an_exchange_not_enabled(cli_env, capsys):
    assert await cli_env.run("targets", "add", "kraken", "BTC/USDT", "1h") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cbdata: UNKNOWN_EXCHANGE: exchange 'kraken' is not enabled")


def test_serve_routes_to_the_local_host(monkeypatch):
    import shared.localhost

    calls = []
    try:
        import shared.localhost.serve as serve_module
    except ImportError:  # the local host is written in parallel: route to a stand-in module then
        import sys
        import types

        serve_module = types.ModuleType("shared.localhost.serve")
        monkeypatch.setitem(sys.modules, "shared.localhost.serve", serve_module)
        monkeypatch.setattr(shared.localhost, "serve", serve_module, raising=False)
    monkeypatch.setattr(
        serve_module, "run", lambda host, port: calls.append((host, port)) or 7, raising=False
    )
    assert main(["serve"]) == 7
    assert main(["serve", "--host", "0.0.0.0", "--port", "8080"]) == 7
    assert calls == [("127.0.0.1", 7071), ("0.0.0.0", 8080)]


def test_usage_errors_are_one_line(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        "cbdata: USAGE: argument COMMAND: invalid choice: 'frobnicate'"
    )
    assert main(["targets"]) == 2
    assert "USAGE: the following arguments are required: ACTION" in capsys.readouterr().err


def test_ctrl_c_exits_130_with_one_line(cli_env, monkeypatch, capsys):
    async def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(shared.cli.fetch, "fetch_command", interrupted)
    assert main(["fetch", "binance", "BTC/USDT", "1m", "--start", "2025-01-01", "--end", "2025-01-02"]) == 130
    assert capsys.readouterr().err.strip().splitlines() == ["cbdata: INTERRUPTED: stopped by Ctrl-C"]


def test_unexpected_errors_show_only_their_type(monkeypatch, capsys):
    async def broken(args):
        raise ValueError("https://example.test/?sig=SECRET")

    monkeypatch.setattr(shared.cli.fetch, "fetch_command", broken)
    argv = ["fetch", "binance", "BTC/USDT", "1m", "--start", "2025-01-01", "--end", "2025-01-02"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cbdata: INTERNAL_ERROR: unexpected ValueError (run with --debug for the traceback)"]
    with pytest.raises(ValueError):
        main(["--debug", *argv])


async def test_sigint_during_a_fetch_exits_130_and_leaves_no_file(cli_env):
    import asyncio
    import signal
    import sys

    cli_env.emulator.inject("binance", "timeout", count=100, delay_s=1.5)  # every page hangs a while
    out = cli_env.root / "big.csv"
    start, end = cli_env.day, cli_env.day + 3_000 * 60_000
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared", "fetch", "binance", "BTC/USDT", "1m",
        "--start", str(start), "--end", str(end), "-o", str(out),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(600):  # until the fetch has reached the exchange
            if cli_env.emulator.request_count("binance", "ohlcv"):
                break
            await asyncio.sleep(0.05)
        assert cli_env.emulator.request_count("binance", "ohlcv")
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines() == ["cbdata: INTERRUPTED: stopped by Ctrl-C"]
    assert not out.exists() and not (cli_env.root / "big.csv.part").exists()
