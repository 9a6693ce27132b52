"""Repeated query parameters are refused, naming the parameter (the Functions path:
tests/functions/test_query_repeats.py; the local host: tests/localhost/test_host_http.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.api.query import single_params
from shared.errors import InvalidRequestError


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("symbol=BTC/USDT&symbol=../../x", "symbol"),
        ("symbol=BTC/USDT&timeframe=1m&Symbol=ETH/USDT", "Symbol"),  # the host ignores case
        ("start=1&end=2&start=", "start"),
        ("a%20b=1&a+b=2", "a b"),
    ],
)
def test_a_repeated_parameter_is_refused_by_name(query, name):
    with pytest.raises(InvalidRequestError) as err:
        single_params(f"https://app/api/ohlcv?{query}", {})
    assert err.value.code == "INVALID_REQUEST" and repr(name) in err.value.message


def test_single_parameters_pass_and_a_url_without_query_keeps_the_mapping():
    url = "https://app/api/ohlcv?exchange=binance&symbol=BTC%2FUSDT&format="
    assert single_params(url, {"ignored": "1"}) == {"exchange": "binance", "symbol": "BTC/USDT", "format": ""}
    assert single_params("/api/ohlcv", {"symbol": "x"}) == {"symbol": "x"}


@given(st.dictionaries(st.text(min_size=1, max_size=8).map(str.lower), st.text(max_size=8), max_size=6))
def test_distinct_parameters_round_trip(params):
    from urllib.parse import urlencode

    assert single_params("https://h/p?" + urlencode(params), {}) == params or not params
