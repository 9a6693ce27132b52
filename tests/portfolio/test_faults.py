"""Failures stay with their account: a rejected key, an exchange that keeps failing; transient ones
(429, 5xx) are retried. No key ever reaches a log record, an error, a snapshot or the stored data."""

from __future__ import annotations

import logging

import orjson
import pytest

from shared.portfolio.store import latest_key
from tests.emulator.server import ExchangeEmulator
from tests.portfolio.helpers import build_sync, creds, scripted_account

pytestmark = pytest.mark.emulator
DIALECTS = ["binance", "okx"]
REASONS = {"binance": "-1022", "okx": "50113"}
UNKNOWN_KEY = {"binance": "-2015", "okx": "50111"}


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_invalid_key_fails_that_account_only(
    exchange_emulator: ExchangeEmulator, local_backend, exchange
) -> None:
    emu = exchange_emulator
    scripted_account(emu, exchange, "good-key", "good-secret")
    sync = build_sync(
        emu, local_backend,
        [{"name": "good", "exchange": exchange}, {"name": "wrong_secret", "exchange": exchange},
         {"name": "unknown_key", "exchange": exchange}],
        {"good": creds(exchange, "good-key", "good-secret"), "wrong_secret": creds(exchange, "good-key", "nope"),
         "unknown_key": creds(exchange, "who", "nope")},
    )  # fmt: skip
    summary = await sync.run()
    assert (summary.ok, summary.failed) == (1, 2)
    by_name = {s.account: s for s in summary.snapshots}
    assert by_name["good"].status == "ok" and by_name["good"].assets
    for name, reason in (("wrong_secret", REASONS[exchange]), ("unknown_key", UNKNOWN_KEY[exchange])):
        failed = by_name[name]
        assert failed.status == "failed" and failed.error["code"] == "EXCHANGE_ERROR"
        assert f"{exchange} rejected our credentials" in failed.error["message"]
        assert reason in failed.error["message"]  # the exchange's own reason
    latest = await sync.store.latest("wrong_secret")
    assert latest["status"] == "failed" and latest["error"]["code"] == "EXCHANGE_ERROR"


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_a_failure_after_a_good_sync_keeps_the_last_good_assets(
    exchange_emulator: ExchangeEmulator, local_backend, exchange
) -> None:
    emu = exchange_emulator
    scripted_account(emu, exchange, "k", "s")
    sync = build_sync(
        emu, local_backend, [{"name": "a", "exchange": exchange}], {"a": creds(exchange, "k", "s")}
    )
    await sync.run()
    good_at = emu.clock.now_ms
    emu.clock.advance(1800)
    emu.inject(exchange, "status", endpoint="*", count=100, status=503)
    summary = await sync.run()
    assert summary.failed == 1 and summary.snapshots[0].error["code"] == "EXCHANGE_ERROR"
    latest = await sync.store.latest("a")
    assert latest["status"] == "failed" and latest["last_ok_at"] == good_at
    assert {a["asset"] for a in latest["assets"]} == {"BTC", "ETH", "USDT", "DOGE"}


@pytest.mark.parametrize("exchange", DIALECTS)
@pytest.mark.parametrize("kind", ["rate_limit", "status", "malformed"])
async def test_429_5xx_and_bodies_that_are_not_json_are_retried(
    exchange_emulator: ExchangeEmulator, local_backend, exchange, kind
) -> None:
    emu = exchange_emulator
    scripted_account(emu, exchange, "k", "s")
    balance = "account" if exchange == "binance" else "balance"
    trades = "myTrades" if exchange == "binance" else "fills-history"
    emu.inject(exchange, kind, endpoint=balance, count=2, status=502)
    emu.inject(exchange, kind, endpoint=trades, count=1, status=500)
    sync = build_sync(
        emu, local_backend, [{"name": "a", "exchange": exchange}], {"a": creds(exchange, "k", "s")}
    )
    summary = await sync.run()
    assert summary.ok == 1 and summary.new_trades == 5
    assert emu.request_count(exchange, balance) == 3  # two failures, then the answer
    assert summary.snapshots[0].requests >= 3 + 2


@pytest.mark.parametrize("exchange", DIALECTS)
async def test_no_secret_in_logs_errors_snapshots_or_storage(
    exchange_emulator: ExchangeEmulator, local_backend, exchange, caplog, capsys
) -> None:
    emu = exchange_emulator
    key, secret = "APIKEY-visible-marker-7f3a", "SECRET-visible-marker-9c1d"
    scripted_account(emu, exchange, key, secret)
    accounts = [{"name": "ok", "exchange": exchange}, {"name": "bad", "exchange": exchange}]
    wrong = "WRONGSECRET-marker-55aa"
    credentials = {"ok": creds(exchange, key, secret), "bad": creds(exchange, key, wrong)}
    sync = build_sync(emu, local_backend, accounts, credentials)
    emu.inject(exchange, "rate_limit", endpoint="*", count=1)
    root = logging.getLogger()
    with caplog.at_level(logging.DEBUG):
        for name in ("ccxt", "aiohttp", "shared"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        summary = await sync.run()
        sync.ccxt.exchange_options[exchange]["verbose"] = True  # ccxt would print requests to stdout
        await sync.run()
    printed = capsys.readouterr()
    assert root is logging.getLogger()
    assert summary.ok == 1 and summary.failed == 1
    secrets = [key, secret, wrong, "pass-PHRASE-okx-77"]
    texts = [r.getMessage() for r in caplog.records] + [str(r.exc_info) for r in caplog.records]
    texts.append(orjson.dumps([s.to_dict() for s in summary.snapshots]).decode())
    texts += [printed.out, printed.err]
    for obj in await local_backend.list("portfolio/"):
        stored = await local_backend.read(obj.key)
        texts.append(stored.data.decode("latin-1"))
    assert any("portfolio" in t for t in texts) and len(caplog.records) > 10
    assert any(
        "***" in r.getMessage() for r in caplog.records if r.name == "shared.portfolio.ccxt"
    )  # scrubbed
    for text in texts:
        for value in secrets:
            assert value not in text
    assert (await local_backend.read(latest_key("bad"))) is not None
