"""TargetState's stored form and the error summaries a run records."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.errors import ExchangeUnavailableError, StorageError
from shared.fetch.service import SyncResult
from shared.series import SeriesKey
from shared.sync.state import MAX_ERROR_MESSAGE, TargetState, decode, describe_error, encode

series_keys = st.builds(
    SeriesKey,
    st.sampled_from(["binance", "okx", "cryptocom"]),
    st.from_regex(r"[A-Z0-9]{1,8}/[A-Z]{3,5}(:[A-Z]{3,5})?", fullmatch=True),
    st.sampled_from(["1m", "5m", "1h", "4h", "1d", "1w"]),
)
optional_ms = st.none() | st.integers(0, 2**53)
states = st.builds(
    TargetState,
    series_keys,
    st.integers(0, 2**53),
    optional_ms,
    st.sampled_from([None, "ok", "failed"]),
    st.none() | st.sampled_from(["COIN_NOT_AVAILABLE", "EXCHANGE_ERROR"]),
    st.none() | st.text(max_size=50),
    st.none() | st.integers(0, 10**7),
)


@given(st.lists(states, max_size=8, unique_by=lambda s: s.series))
def test_encode_decode_round_trip(items):
    by_series = {s.series: s for s in items}
    assert decode(encode(by_series)) == by_series


def test_a_success_and_a_failure_as_recorded():
    base = TargetState(SeriesKey("binance", "BTC/USDT", "1m"), added_at=1)
    ok = base.after_run(SyncResult(base.series, 12, 1, 1, 0, 0), 99)
    assert (ok.last_run_at, ok.last_status, ok.candles_added, ok.last_error_code) == (99, "ok", 12, None)
    failed = ok.after_run(ExchangeUnavailableError("binance did not answer in time"), 100)
    assert failed.to_dict() == {
        "exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m", "added_at": 1, "last_run_at": 100,
        "last_status": "failed", "last_error_code": "EXCHANGE_ERROR",
        "last_error_message": "binance did not answer in time", "candles_added": None, "retention_days": None,
    }  # fmt: skip


def test_describe_error_never_shows_foreign_messages_or_long_ones():
    code, message = describe_error(RuntimeError("GET https://x?apiKey=s3cr3t failed"))
    assert code == "INTERNAL_ERROR" and "s3cr3t" not in message and "RuntimeError" in message
    code, message = describe_error(StorageError("x" * 5000))
    assert code == "STORAGE_ERROR" and len(message) == MAX_ERROR_MESSAGE and message.endswith("…")
