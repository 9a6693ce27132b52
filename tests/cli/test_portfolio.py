"""``cbdata portfolio`` (table and --json) and ``cbdata portfolio sync`` against the exchange emulator."""

from __future__ import annotations

import json

import pytest

from tests.portfolio.helpers import creds, scripted_account

pytestmark = pytest.mark.emulator


async def test_sync_then_table_and_json(cli_env, monkeypatch, capsys) -> None:
    emu = cli_env.emulator
    scripted_account(emu, "binance", "k1", "s1")
    scripted_account(emu, "okx", "k2", "s2")
    monkeypatch.setenv(
        "PORTFOLIO_ACCOUNTS",
        json.dumps([{"name": "main", "exchange": "binance"}, {"name": "okx_main", "exchange": "okx"}]),
    )
    monkeypatch.setenv(
        "PORTFOLIO_CREDENTIALS",
        json.dumps({"main": creds("binance", "k1", "s1"), "okx_main": creds("okx", "k2", "s2")}),
    )
    assert await cli_env.run("portfolio") == 0
    assert "no portfolio snapshots yet" in capsys.readouterr().out

    assert await cli_env.run("portfolio", "sync") == 0
    out = capsys.readouterr().out
    assert "portfolio sync: 2 accounts ok, 0 failed, 10 new trades" in out
    assert out.count("BTC ") == 2 and "26,180.0000" in out and "no price for: DOGE" in out

    assert await cli_env.run("portfolio", "--account", "okx_main", "--json") == 0
    [doc] = json.loads(capsys.readouterr().out)["accounts"]
    assert doc["account"] == "okx_main" and doc["totals"]["value"] == pytest.approx(68_500.0)

    assert await cli_env.run("portfolio", "sync", "--account", "main") == 0
    assert "portfolio sync: 1 accounts ok, 0 failed, 0 new trades" in capsys.readouterr().out

    assert await cli_env.run("portfolio", "--account", "ghost") == 1  # not a usage error (docs/cli.md)
    assert (
        capsys.readouterr().err.strip()
        == "cbdata: ACCOUNT_NOT_FOUND: no portfolio snapshot for account 'ghost' yet"
    )


async def test_a_failing_account_and_a_wrong_setting_exit_1(cli_env, monkeypatch, capsys) -> None:
    scripted_account(cli_env.emulator, "binance", "k1", "s1")
    monkeypatch.setenv("PORTFOLIO_ACCOUNTS", json.dumps([{"name": "main", "exchange": "binance"}]))
    monkeypatch.setenv("PORTFOLIO_CREDENTIALS", json.dumps({"main": creds("binance", "k1", "WRONG-s1")}))
    assert await cli_env.run("portfolio", "sync") == 1
    captured = capsys.readouterr()
    assert "FAILED EXCHANGE_ERROR: binance rejected our credentials" in captured.out
    assert "WRONG-s1" not in captured.out + captured.err
    monkeypatch.setenv("PORTFOLIO_CREDENTIALS", json.dumps({"main": {"api_key": "k1"}}))
    assert await cli_env.run("portfolio", "sync") == 1  # exit 2 is for usage errors only
    assert "cbdata: CONFIGURATION_ERROR: PORTFOLIO_CREDENTIALS" in capsys.readouterr().err
