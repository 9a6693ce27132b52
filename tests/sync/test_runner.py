"""run_sync against the exchange emulator on both storage backends."""

from __future__ import annotations

import logging

import pytest

from shared.sync.runner import run_sync
from shared.sync.targets import TARGETS_KEY, TargetStore
from tests.sync.helpers import (
    BTC,
    ETH,
    OKX_BTC,
    UNLISTED,
    CountingBackend,
    InFlight,
    add_markets,
    candle_service,
    expected_candles,
)

RUNNER_LOG = "shared.sync.runner"


def summary_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == RUNNER_LOG]


async def test_one_failing_target_never_stops_the_others(backend, service, exchange_emulator, caplog):
    caplog.set_level(logging.INFO)
    targets = TargetStore(backend, [BTC, UNLISTED, ETH, OKX_BTC], clock=exchange_emulator.clock)
    summary = await run_sync(service, targets, concurrency_per_exchange=2)

    added = sum(expected_candles(exchange_emulator, s) for s in (BTC, ETH, OKX_BTC))
    assert added > 0
    assert (summary.ok, summary.failed, summary.candles_added) == (3, 1, added)
    assert summary.errors == {str(UNLISTED): "COIN_NOT_AVAILABLE"}
    assert summary.requests == exchange_emulator.request_count(None, "ohlcv") == 3  # 72 candles: one page
    assert summary.writes >= 3 and summary.recorded
    [line] = summary_lines(caplog)
    assert f"3 targets ok, 1 failed, {added} candles added, 3 exchange requests" in line
    assert f"{UNLISTED} COIN_NOT_AVAILABLE" in line

    states = {s.series: s for s in await targets.list()}
    now_ms = exchange_emulator.clock.now_ms
    for series in (BTC, ETH, OKX_BTC):
        state = states[series]
        assert (state.last_status, state.last_run_at) == ("ok", now_ms)
        assert state.candles_added == expected_candles(exchange_emulator, series)
    failed = states[UNLISTED]
    assert (failed.last_status, failed.last_error_code, failed.last_run_at) == (
        "failed", "COIN_NOT_AVAILABLE", now_ms,
    )  # fmt: skip
    assert failed.last_error_message and "Traceback" not in failed.last_error_message

    # the next run finds the three up to date: no exchange request, nothing written
    exchange_emulator.reset_counts()
    again = await run_sync(service, targets, concurrency_per_exchange=2)
    assert (again.ok, again.failed, again.candles_added, again.requests, again.writes) == (3, 1, 0, 0, 0)
    assert exchange_emulator.request_count(None, "ohlcv") == 0

    # an hour later each target costs one request for its one new candle
    exchange_emulator.clock.advance(3600)
    later = await run_sync(service, targets, concurrency_per_exchange=2)
    assert (later.ok, later.candles_added, later.requests) == (3, 3, 3)
    assert (await targets.get(BTC)).candles_added == 1


async def test_any_exception_is_recorded_without_its_message(backend, service, exchange_emulator):
    wrapper = InFlight(service, fail={ETH: RuntimeError("token=s3cr3t broke")})
    targets = TargetStore(backend, [ETH, BTC])
    summary = await run_sync(wrapper, targets, concurrency_per_exchange=1)
    assert (summary.ok, summary.failed, summary.errors) == (1, 1, {str(ETH): "INTERNAL_ERROR"})
    eth = await targets.get(ETH)
    assert eth.last_error_code == "INTERNAL_ERROR" and "s3cr3t" not in eth.last_error_message
    assert (await targets.get(BTC)).last_status == "ok"


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_concurrency_is_bounded_per_exchange_and_exchanges_run_in_parallel(
    local_backend, exchange_registry, exchange_emulator, limit
):
    binance = add_markets(exchange_emulator, "binance", [f"B{i}/USDT" for i in range(6)])
    okx = add_markets(exchange_emulator, "okx", [f"O{i}/USDT" for i in range(5)])
    wrapper = InFlight(candle_service(local_backend, exchange_registry, exchange_emulator))
    targets = TargetStore(local_backend, binance + okx)
    summary = await run_sync(wrapper, targets, concurrency_per_exchange=limit)
    assert (summary.ok, summary.failed) == (11, 0)
    assert sorted(wrapper.calls, key=str) == sorted(binance + okx, key=str)
    assert wrapper.peak == {"binance": limit, "okx": limit}
    assert wrapper.peak_total == 2 * limit  # both exchanges at once, each at its bound


async def test_the_run_is_recorded_in_one_write(local_backend, service, exchange_emulator):
    many = add_markets(exchange_emulator, "binance", [f"M{i}/USDT" for i in range(12)])
    counting = CountingBackend(local_backend)
    targets = TargetStore(counting, many)
    assert len(await targets.list()) == 12  # the seed, shown without a write
    assert counting.writes[TARGETS_KEY] == 0
    summary = await run_sync(
        candle_service(counting, service.exchanges, exchange_emulator), targets, concurrency_per_exchange=4
    )
    assert summary.ok == 12
    assert counting.writes[TARGETS_KEY] == 1  # the seed and every outcome in one write
    assert all(s.last_status == "ok" for s in await targets.list())


async def test_a_failed_recording_is_logged_and_the_summary_still_returned(
    local_backend, service, exchange_emulator, caplog
):
    await TargetStore(local_backend, [BTC]).add(OKX_BTC)  # writes the seed too
    await TargetStore(local_backend, []).remove(OKX_BTC)
    refusing = CountingBackend(local_backend, conflict_keys=(TARGETS_KEY,))

    async def no_sleep(_: float) -> None:
        return None

    targets = TargetStore(refusing, [], max_attempts=2, sleep=no_sleep)
    summary = await run_sync(service, targets, concurrency_per_exchange=1)
    assert (summary.ok, summary.recorded) == (1, False)
    assert any("could not record" in m and "STORAGE_ERROR" in m for m in summary_lines(caplog))


async def test_no_targets_is_a_quiet_success(backend, service, exchange_emulator):
    summary = await run_sync(service, TargetStore(backend, []), concurrency_per_exchange=2)
    assert (summary.ok, summary.failed, summary.requests) == (0, 0, 0)
    assert exchange_emulator.request_count() == 0
