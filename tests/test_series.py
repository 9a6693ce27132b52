"""Series keys: validation at the edge and the reversible, path-safe symbol encoding."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import (
    DataServiceError,
    InvalidRequestError,
    UnknownExchangeError,
    UnsupportedTimeframeError,
)
from shared.series import SeriesKey, decode_symbol, encode_symbol
from shared.timeframes import ceil_to, floor_to, timeframe_ms

symbol_chars = st.sampled_from("ABCXYZ019._/:+@-")
symbols = st.builds(
    lambda first, rest: first + rest, st.sampled_from("ABZ09"), st.text(symbol_chars, max_size=40)
).filter(lambda s: ".." not in s and "//" not in s)


@given(symbols)
def test_symbol_encoding_round_trips_and_is_path_safe(symbol):
    encoded = encode_symbol(symbol)
    assert decode_symbol(encoded) == symbol
    assert "/" not in encoded and "\\" not in encoded and encoded not in (".", "..")


@pytest.mark.parametrize(
    "symbol",
    [
        "",
        "../../x",
        "/etc/passwd",
        "BTC/../../USDT",
        "BTC%2FUSDT",
        "BTC\\USDT",
        "BTC\nUSDT",
        "BTC\x00",
        " BTC",
        "A" * 65,
        "..",
        "BTC//USDT",
        42,
        None,
    ],
)
def test_bad_symbols_are_refused_with_a_clear_error(symbol):
    with pytest.raises(InvalidRequestError) as err:
        SeriesKey("binance", symbol, "1m")
    assert err.value.code == "INVALID_REQUEST"
    assert "symbol" in err.value.message


@pytest.mark.parametrize("exchange", ["", "Binance", "../x", "b" * 40, "bin ance", None])
def test_bad_exchange_ids_are_refused(exchange):
    with pytest.raises(UnknownExchangeError):
        SeriesKey(exchange, "BTC/USDT", "1m")


@pytest.mark.parametrize("timeframe", ["", "1M", "0m", "1x", "m1", "5 m", "99999m", "5w", None])
def test_unknown_timeframes_are_refused(timeframe):
    with pytest.raises(UnsupportedTimeframeError) as err:
        SeriesKey("binance", "BTC/USDT", timeframe)
    assert isinstance(err.value, DataServiceError) and err.value.code == "UNSUPPORTED_TIMEFRAME"


def test_timeframes_and_alignment():
    assert (
        timeframe_ms("1m") == 60_000
        and timeframe_ms("4h") == 14_400_000
        and timeframe_ms("1w") == 604_800_000
    )
    assert floor_to(125_000, 60_000) == 120_000 and ceil_to(125_000, 60_000) == 180_000
    assert ceil_to(120_000, 60_000) == 120_000


def test_candle_count_counts_opening_times_inside_the_range():
    from shared.timeframes import candle_count

    assert candle_count(0, 90_000, 60_000) == 2
    assert candle_count(30_000, 60_000, 60_000) == 0
    assert candle_count(30_000, 60_001, 60_000) == 1
    assert candle_count(60_000, 60_000, 60_000) == 0
