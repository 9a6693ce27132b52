"""Transient faults are retried within the budget; permanent ones are not; errors map to our codes."""

from __future__ import annotations

import pytest

from shared.errors import DataServiceError, ExchangeRateLimitedError, ExchangeUnavailableError
from shared.exchange import ExchangeRegistry
from tests.emulator.fixtures import LISTING_MS, emulator_settings
from tests.exchange.helpers import MIN, collect, rows_of

START = LISTING_MS + 100 * MIN
END = START + 2500 * MIN  # 3 binance pages


@pytest.fixture
async def recording(exchange_emulator):
    """A registry whose retry sleeps are recorded (and really waited: they are tiny)."""
    import asyncio

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    registry = ExchangeRegistry(
        emulator_settings(exchange_emulator, retry_max_attempts=4, retry_max_delay_seconds=0.05),
        clock=exchange_emulator.clock,
        sleep=sleep,
    )
    yield registry, waits
    await registry.aclose()


FAULTS = [
    ("binance", {"kind": "status", "status": 503}),
    ("binance", {"kind": "status", "status": 502}),
    ("binance", {"kind": "malformed"}),
    ("binance", {"kind": "rate_limit", "retry_after": 0.01}),
    ("binance", {"kind": "ban", "retry_after": 0.01}),
    ("binance", {"kind": "timeout", "delay_s": 2.5}),  # held well past the client's timeout (below)
    ("okx", {"kind": "status", "status": 500}),
    ("okx", {"kind": "rate_limit", "retry_after": 0.01}),
    ("okx", {"kind": "malformed"}),
]


@pytest.mark.parametrize(("exchange", "fault"), FAULTS, ids=[f"{e}-{f['kind']}" for e, f in FAULTS])
async def test_three_faults_then_success_recover_within_the_budget(
    exchange: str, fault: dict, exchange_emulator, recording
) -> None:
    registry, waits = recording
    if fault["kind"] == "timeout":
        # 1 s, not less: a healthy page on a loaded machine must never time out too (that would add a
        # request and break the count below); the faulty answers are held 2.5 s, so they always do.
        opts = exchange_emulator.exchange_options(exchange, timeout_ms=1000)
        registry = ExchangeRegistry(
            emulator_settings(exchange_emulator, exchange_options=opts, retry_max_delay_seconds=0.05),
            clock=exchange_emulator.clock,
        )
    try:
        exchange_emulator.inject(exchange, count=3, **fault)
        pages = await collect(registry.get(exchange), "BTC/USDT", "1m", START, END)
    finally:
        if fault["kind"] == "timeout":
            await registry.aclose()
    assert rows_of(pages) == exchange_emulator.ground_truth(exchange, "BTC/USDT", "1m", START, END)
    pages_needed = -(-2500 // (1000 if exchange == "binance" else 300))
    assert exchange_emulator.request_count(exchange, "ohlcv") == pages_needed + 3
    if fault["kind"] in ("rate_limit", "ban"):
        assert len(waits) == 3 and all(w >= 0.01 for w in waits)  # Retry-After honoured


async def test_beyond_the_budget_a_clear_error_and_nothing_unproven_is_yielded(
    exchange_emulator, recording
) -> None:
    registry, waits = recording
    exchange_emulator.inject("binance", "status", count=1000, status=503)
    client = registry.get("binance")
    pages = []
    with pytest.raises(ExchangeUnavailableError) as err:
        async for page in client.fetch_ohlcv("BTC/USDT", "1m", START, END):
            pages.append(page)
    assert err.value.code == "EXCHANGE_ERROR" and err.value.http_status == 503
    assert "binance" in err.value.message and "retries exhausted" in err.value.message
    assert pages == []
    assert exchange_emulator.request_count("binance", "ohlcv") == 4  # retry_max_attempts
    assert len(waits) == 3  # max_attempts 4 -> 3 waits, each within max delay
    assert all(w <= 0.05 for w in waits)


async def test_a_failure_mid_range_keeps_the_pages_before_it(exchange_emulator, recording) -> None:
    registry, _ = recording
    client = registry.get("binance")
    pages = []
    with pytest.raises(ExchangeRateLimitedError) as err:
        async for page in client.fetch_ohlcv("BTC/USDT", "1m", START, END):
            pages.append(page)
            exchange_emulator.inject("binance", "rate_limit", count=100, retry_after=0)
    assert err.value.code == "EXCHANGE_RATE_LIMITED"
    assert len(pages) == 1 and pages[0].end_ms == START + 1000 * MIN


async def test_a_retry_after_longer_than_the_budget_fails_at_once(exchange_emulator, recording) -> None:
    registry, waits = recording
    exchange_emulator.inject("binance", "rate_limit", count=1, retry_after=120)
    with pytest.raises(ExchangeRateLimitedError):
        await collect(registry.get("binance"), "BTC/USDT", "1m", START, END)
    assert waits == [] and exchange_emulator.request_count("binance", "ohlcv") == 1


PERMANENT = [
    ("binance", 400, {"code": -1121, "msg": "Invalid symbol."}, "COIN_NOT_AVAILABLE"),  # BadSymbol
    (
        "binance",
        400,
        {"code": -1102, "msg": "Mandatory parameter was not sent."},
        "EXCHANGE_ERROR",
    ),  # BadRequest
    (
        "binance",
        401,
        {"code": -2015, "msg": "Invalid API-key, IP, or permissions."},
        "EXCHANGE_ERROR",
    ),  # Auth
    ("binance", 400, {"code": -3043, "msg": "Not allowed."}, "EXCHANGE_ERROR"),  # PermissionDenied
    ("okx", 200, {"code": "51001", "msg": "Instrument ID does not exist", "data": []}, "COIN_NOT_AVAILABLE"),
    ("okx", 200, {"code": "51000", "msg": "Parameter bar error", "data": []}, "EXCHANGE_ERROR"),
    ("okx", 401, {"code": "50111", "msg": "Invalid OK-ACCESS-KEY", "data": []}, "EXCHANGE_ERROR"),
]


@pytest.mark.parametrize(("exchange", "status", "body", "code"), PERMANENT)
async def test_permanent_errors_are_not_retried(
    exchange: str, status: int, body: dict, code: str, exchange_emulator, recording
) -> None:
    registry, waits = recording
    exchange_emulator.inject(exchange, "status", count=1, status=status, body=body)
    with pytest.raises(DataServiceError) as err:
        await collect(registry.get(exchange), "BTC/USDT", "1m", START, END)
    assert err.value.code == code and not isinstance(err.value, ExchangeUnavailableError)
    assert waits == [] and exchange_emulator.request_count(exchange, "ohlcv") == 1
