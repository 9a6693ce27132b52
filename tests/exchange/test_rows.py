"""Row validation, the closed-candle boundary, retry delays and config merging (pure functions)."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.backoff import RetryPolicy
from shared.exchange import closed_boundary
from shared.exchange.ccxt.config import ccxt_config, deep_merge
from shared.exchange.page import clean_rows
from shared.settings import CcxtSettings, ExchangeCredentials

TF = 60_000


def candle(
    ts: int, o: float = 10.0, h: float = 12.0, low: float = 9.0, c: float = 11.0, v: float = 1.0
) -> list:
    return [ts, o, h, low, c, v]


def test_each_kind_of_bad_row_is_rejected_with_its_reason() -> None:
    raw = [
        candle(0),
        candle(TF, h=10.5),  # high below close
        candle(2 * TF, low=10.5),  # low above open
        candle(3 * TF, v=-1.0),
        candle(4 * TF, c=math.nan),
        candle(5 * TF + 1),  # misaligned
        [6 * TF, 1.0, None, 1.0, 1.0, 1.0],
        "garbage",
        candle(7 * TF, o=0.0, low=0.0),
    ]
    rows, rejected = clean_rows(raw, 0, 10 * TF, TF)
    assert rows == [candle(0)]
    reasons = [r for _, r in rejected]
    assert reasons == [
        "high is below open or close",
        "low is above open or close",
        "volume is negative",
        "a price or the volume is not finite",
        "timestamp is not aligned to the timeframe",
        "a price or the volume is missing or not a number",
        "not a row of [timestamp, open, high, low, close, volume]",
        "a price is not positive",
    ]


def test_rows_outside_the_window_are_dropped_and_duplicates_merged() -> None:
    raw = [candle(5 * TF), candle(2 * TF), candle(2 * TF), candle(9 * TF), candle(-TF)]
    rows, rejected = clean_rows(raw, 0, 6 * TF, TF)
    assert [r[0] for r in rows] == [2 * TF, 5 * TF] and rejected == []


def test_two_different_candles_for_one_timestamp_are_both_refused() -> None:
    rows, rejected = clean_rows([candle(TF), candle(TF, c=11.5)], 0, 6 * TF, TF)
    assert rows == [] and rejected[0][1] == "two different candles for one timestamp"


rows_strategy = st.lists(
    st.tuples(
        st.integers(-5, 40),
        st.floats(0.01, 1e6),
        st.floats(0.01, 1e6),
        st.floats(0.01, 1e6),
        st.floats(0.01, 1e6),
        st.floats(-1, 1e6),
    ),
    max_size=40,
)


@given(rows_strategy, st.integers(0, 20), st.integers(0, 30))
@settings(max_examples=200)
def test_clean_rows_output_is_sorted_unique_valid_and_inside(raw_specs, lo: int, span: int) -> None:
    raw = [[t * TF, o, h, low, c, v] for t, o, h, low, c, v in raw_specs]
    rows, rejected = clean_rows(raw, lo * TF, (lo + span) * TF, TF)
    stamps = [r[0] for r in rows]
    assert stamps == sorted(set(stamps))
    for ts, o, h, low, c, v in rows:
        assert lo * TF <= ts < (lo + span) * TF
        assert h >= max(o, c) and low <= min(o, c) and v >= 0
    inside = {r[0] for r in raw if lo * TF <= r[0] < (lo + span) * TF}
    assert set(stamps) <= inside
    assert len(rows) + len(rejected) >= len(inside)  # every inside timestamp is kept or reported


@given(st.floats(0, 4e9), st.floats(0, 60), st.sampled_from([1_000, 60_000, 3_600_000, 86_400_000]))
def test_closed_boundary_is_the_first_candle_not_closed(now_s: float, margin_s: float, tf: int) -> None:
    boundary = closed_boundary(now_s, margin_s, tf)
    cutoff = int((now_s - margin_s) * 1000)
    assert boundary % tf == 0
    # the candle before the boundary is closed (boundary - tf + tf <= cutoff), the one at it is not
    assert boundary <= cutoff < boundary + tf


@given(st.integers(1, 10), st.floats(0, 5), st.floats(0, 60), st.one_of(st.none(), st.floats(0, 100)))
def test_retry_delay_stays_in_budget_and_honours_retry_after(attempts, base, cap, retry_after) -> None:
    policy = RetryPolicy(attempts, base, cap)
    rng = random.Random(0)
    for attempt in range(1, attempts + 2):
        wait = policy.delay(attempt, retry_after, rng)
        if attempt >= attempts or (retry_after is not None and retry_after > cap):
            assert wait is None
        else:
            assert wait is not None and wait <= max(cap, retry_after or 0)
            assert wait >= (retry_after or 0)


def test_exchange_options_deep_merge_and_the_rate_limiter_stays_on() -> None:
    settings = CcxtSettings(
        exchange_options={
            "binance": {"enableRateLimit": False, "options": {"fetchMarkets": {"types": ["spot"]}}}
        },
        credentials={"binance": ExchangeCredentials(api_key="k-123", secret="s-456")},
    )
    config = ccxt_config(settings, "binance", with_credentials=True)
    assert config == {
        "enableRateLimit": True,
        "apiKey": "k-123",
        "secret": "s-456",
        "options": {"fetchMarkets": {"types": ["spot"]}},
    }
    # candle clients carry no key: ccxt would sign calls with it and log it at DEBUG
    assert ccxt_config(settings, "binance") == {
        "enableRateLimit": True,
        "options": {"fetchMarkets": {"types": ["spot"]}},
    }
    assert deep_merge({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}, "d": 4}) == {"a": {"b": 1, "c": 3}, "d": 4}


def test_every_credential_field_reaches_ccxt_and_is_scrubbed_from_errors() -> None:
    from shared.exchange.ccxt.config import ccxt_config, secrets_of
    from shared.settings import CcxtSettings

    settings = CcxtSettings(
        exchanges=["okx"],
        default_exchange="okx",
        credentials={"okx": {"api_key": "k1", "secret": "s1", "password": "p1", "uid": "u1"}},
        exchange_options={"okx": {"timeout": 5000}},
    )
    config = ccxt_config(settings, "okx", with_credentials=True)
    assert (config["apiKey"], config["secret"], config["password"], config["uid"]) == ("k1", "s1", "p1", "u1")
    assert sorted(secrets_of(settings, "okx")) == ["k1", "p1", "s1", "u1"]
    via_options = CcxtSettings(
        exchanges=["okx"], default_exchange="okx", exchange_options={"okx": {"apiKey": "k2"}}
    )
    assert secrets_of(via_options, "okx") == ["k2"]
    assert "apiKey" not in ccxt_config(via_options, "okx")
    assert ccxt_config(via_options, "okx", with_credentials=True)["apiKey"] == "k2"
