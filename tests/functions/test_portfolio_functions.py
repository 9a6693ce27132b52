"""The portfolio functions through azure.functions: the timer, GET /api/portfolio and /history, on both
storage backends against the exchange emulator; a broken portfolio setting fails only the portfolio."""

from __future__ import annotations

import json

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

import function_app
from tests.functions.registered import bindings, get
from tests.portfolio.helpers import creds, scripted_account

pytestmark = pytest.mark.emulator


def body(response: func.HttpResponse) -> dict:
    return json.loads(response.get_body())


def test_bindings() -> None:
    [timer] = [b for b in bindings("sync_portfolios") if b["type"] == "timerTrigger"]
    assert (timer["schedule"], timer["runOnStartup"]) == ("%PORTFOLIO_SCHEDULE%", False)
    routes = {
        n: next(b for b in bindings(n) if b["type"] == "httpTrigger")
        for n in ("portfolio", "portfolio_history")
    }
    assert {n: (b["route"], b["methods"], b["authLevel"]) for n, b in routes.items()} == {
        "portfolio": ("portfolio", ["GET"], "FUNCTION"),
        "portfolio_history": ("portfolio/history", ["GET"], "FUNCTION"),
    }


@pytest.fixture
def portfolio_env(app_services, exchange_emulator, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    scripted_account(exchange_emulator, "binance", "k1", "s1")
    scripted_account(exchange_emulator, "okx", "k2", "s2")
    accounts = [
        {"name": "main", "exchange": "binance"},
        {"name": "okx_main", "exchange": "okx"},
        {"name": "broken", "exchange": "binance"},
    ]
    credentials = {
        "main": creds("binance", "k1", "s1"),
        "okx_main": creds("okx", "k2", "s2"),
        "broken": creds("binance", "k1", "wrong"),
    }
    monkeypatch.setenv("PORTFOLIO_ACCOUNTS", json.dumps(accounts))
    monkeypatch.setenv("PORTFOLIO_CREDENTIALS", json.dumps(credentials))
    return app_services


async def test_timer_then_latest_and_history(portfolio_env) -> None:
    assert body(await function_app.portfolio(get("portfolio"))) == {"accounts": []}
    await function_app.sync_portfolios(TimerRequest(past_due=False))
    everything = body(await function_app.portfolio(get("portfolio")))["accounts"]
    assert {d["account"]: d["status"] for d in everything} == {
        "main": "ok",
        "okx_main": "ok",
        "broken": "failed",
    }
    [main] = body(await function_app.portfolio(get("portfolio", account="main")))["accounts"]
    btc = next(a for a in main["assets"] if a["asset"] == "BTC")
    assert btc["average_entry"] == pytest.approx(26_180.0) and btc["unexplained_quantity"] == 0.5
    history = body(await function_app.portfolio_history(get("portfolio/history", account="okx_main")))
    assert {r["asset"] for r in history["rows"]} == {"BTC", "ETH", "USDT", "DOGE"}
    assert all(history["start"] <= r["taken_at"] < history["end"] for r in history["rows"])
    old = body(
        await function_app.portfolio_history(
            get("portfolio/history", account="main", start="2020-01-01", end="2020-02-01")
        )
    )
    assert old["rows"] == []


@pytest.mark.parametrize(("route", "params", "status", "code"), [
    ("portfolio", {"account": "nobody"}, 404, "ACCOUNT_NOT_FOUND"),
    ("portfolio", {"account": "../x"}, 400, "INVALID_REQUEST"),
    ("portfolio/history", {}, 400, "INVALID_REQUEST"),
    ("portfolio/history", {"account": "main", "start": "yesterday"}, 400, "INVALID_REQUEST"),
    ("portfolio/history", {"account": "main", "start": "2025-01-01", "end": "2024-01-01"}, 400, "INVALID_REQUEST"),
    ("portfolio/history", {"account": "main", "start": "2020-01-01", "end": "2024-01-01"}, 413, "RANGE_TOO_LARGE"),
])  # fmt: skip
async def test_bad_requests_get_coded_errors(portfolio_env, route, params, status, code) -> None:
    handler = function_app.portfolio if route == "portfolio" else function_app.portfolio_history
    response = await handler(get(route, **params))
    assert (response.status_code, body(response)["error"]["code"]) == (status, code)


async def test_a_broken_portfolio_setting_fails_only_the_portfolio_timer(portfolio_env, monkeypatch) -> None:
    monkeypatch.setenv("PORTFOLIO_ACCOUNTS", '[{"name": "x", "exchange": "kraken"}]')
    with pytest.raises(Exception, match="PORTFOLIO_ACCOUNTS"):
        await function_app.sync_portfolios(TimerRequest(past_due=False))
    assert (await function_app.catalog(get("catalog"))).status_code == 200  # the candle service goes on
    assert (await function_app.portfolio(get("portfolio"))).status_code == 200  # reading stays possible


async def test_no_accounts_means_a_quiet_timer(app_services, monkeypatch, tmp_path, caplog) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PORTFOLIO_ACCOUNTS", raising=False)
    with caplog.at_level("INFO", logger="shared.portfolio"):
        await function_app.sync_portfolios(TimerRequest(past_due=False))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("shared.portfolio")] == [
        "portfolio sync: no accounts configured (PORTFOLIO_ACCOUNTS), nothing to do"
    ]
