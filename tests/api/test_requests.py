"""Request parsing: every accepted form, every refusal, and a fuzz that only ever sees clean errors."""

from __future__ import annotations

import json
import string

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.api.requests import (
    CurrentTimestampRequest,
    parse_current,
    parse_historical,
    parse_time,
    request_id_of,
)
from shared.errors import DataServiceError, InvalidRequestError, UnknownExchangeError
from shared.series import SeriesKey

JAN = 1_704_067_200_000  # 2024-01-01T00:00:00Z
FEB = 1_706_745_600_000  # 2024-02-01T00:00:00Z
MAX = 65_536
GOOD = {"request_id": "r-1", "exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m"}


def historical(**changes):
    return {**GOOD, "start": "2024-01-01T00:00:00Z", "end": FEB, **changes}


def test_the_documented_example_parses_to_epoch_milliseconds():
    raw = orjson.dumps(historical())
    req = parse_historical(raw, max_bytes=MAX)
    assert (req.request_id, req.start, req.end) == ("r-1", JAN, FEB)
    assert req.series("okx") == SeriesKey("binance", "BTC/USDT", "1m")
    assert (
        parse_historical(raw.decode(), max_bytes=MAX) == req == parse_historical(historical(), max_bytes=MAX)
    )


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00",  # no offset: UTC
        "2024-01-01",
        "2024-01-01T01:00:00+01:00",
        "2024-01-01T00:00:00.000Z",
        JAN,
        float(JAN),
        str(JAN),  # query strings carry numbers as text
    ],
)
def test_times_in_every_accepted_form(value):
    assert parse_time(value) == JAN


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        JAN + 0.5,
        -1,
        0,
        1_000,
        1_230_767_999_999,
        4_102_444_800_001,
        "2008-12-31T23:59:59Z",
        "2100-01-02",
        "9999-12-31",
        "yesterday",
        "",
        "1" * 40,
        None,
        [JAN],
        {"ms": JAN},
        float("nan"),
        float("inf"),
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_absurd_or_mistyped_times_are_refused(value):
    with pytest.raises((ValueError, OverflowError)):
        parse_time(value)
    with pytest.raises(InvalidRequestError) as err:
        parse_historical(historical(start=value), max_bytes=MAX)
    assert err.value.message.startswith("start:") and err.value.details["request_id"] == "r-1"


def test_the_range_must_be_ordered():
    with pytest.raises(InvalidRequestError, match="must be before"):
        parse_historical(historical(start=FEB, end=FEB), max_bytes=MAX)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (orjson.dumps(historical(extra=1)), "extra: unknown field"),
        (orjson.dumps(historical(symbol=5)), "symbol: Input should be a valid string"),
        (orjson.dumps(historical(request_id=7)), "request_id: Input should be a valid string"),
        (
            orjson.dumps({k: v for k, v in historical().items() if k != "timeframe"}),
            "timeframe: Field required",
        ),
        (orjson.dumps(historical(symbol="../../etc/passwd")), "symbol: symbol"),
        (orjson.dumps(historical(symbol="BTC\\USDT")), "characters a market symbol cannot have"),
    ],
)
def test_malformed_requests_name_what_is_wrong(raw, expected):
    with pytest.raises(InvalidRequestError) as err:
        parse_historical(raw, max_bytes=MAX)
    assert expected in err.value.message
    assert err.value.code == "INVALID_REQUEST" and "request_id" in err.value.details


def test_the_request_id_is_kept_for_the_error_when_it_can_be_read():
    with pytest.raises(InvalidRequestError) as err:
        parse_historical(orjson.dumps(historical(symbol="a b")), max_bytes=MAX)
    assert err.value.details["request_id"] == "r-1"
    with pytest.raises(InvalidRequestError) as err:
        parse_historical(b"{not json", max_bytes=MAX)
    assert err.value.details["request_id"] is None


def test_bodies_over_the_limit_are_refused_before_parsing():
    body = orjson.dumps({**historical(), "pad": "x" * 10_485_760})
    with pytest.raises(InvalidRequestError, match="at most 65,536"):
        parse_historical(body, max_bytes=MAX)
    with pytest.raises(InvalidRequestError, match="at most 65,536"):
        parse_historical({**historical(), "pad": "x" * 70_000}, max_bytes=MAX)


def test_a_bad_exchange_or_timeframe_is_refused_by_series():
    req = parse_current(orjson.dumps({**GOOD, "exchange": "../x"}), max_bytes=MAX)
    with pytest.raises(UnknownExchangeError):
        req.series("binance")
    assert parse_current({**GOOD, "exchange": None}, max_bytes=MAX).series("okx").exchange == "okx"


def test_current_timestamp_requests_refuse_range_fields():
    assert isinstance(parse_current(GOOD, max_bytes=MAX), CurrentTimestampRequest)
    with pytest.raises(InvalidRequestError, match="start: unknown field"):
        parse_current({**GOOD, "start": JAN}, max_bytes=MAX)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"request_id": "a"}', "a"),
        ({"request_id": "b"}, "b"),
        (b'{"request_id": 3}', None),
        (b"{oops", None),
        (None, None),
        (object(), None),
        ("x" * 200, None),
        (orjson.dumps({"request_id": "r" * 129}), None),
    ],
)
def test_request_id_of_is_best_effort_and_never_raises(raw, expected):
    assert request_id_of(raw) == expected


# -- fuzz -----------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
path_like = st.sampled_from(
    ["../x", "..", "/etc/passwd", "a/../b", "C:\\x", "a//b", "%2e%2e", "x\x00y", "\n"]
)
field_values = st.one_of(json_values, path_like, st.integers(-(2**70), 2**70), st.text(string.printable))
requests = st.fixed_dictionaries(
    {},
    optional={
        "request_id": field_values,
        "exchange": field_values,
        "symbol": field_values,
        "timeframe": field_values,
        "start": field_values,
        "end": field_values,
        "unknown": field_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(requests.map(json.dumps), st.binary(max_size=200), st.text(max_size=200)))
def test_fuzzed_bodies_give_a_request_or_a_clean_error(body):
    for parse in (parse_historical, parse_current):
        try:
            req = parse(body, max_bytes=MAX)
        except InvalidRequestError as exc:
            assert exc.code == "INVALID_REQUEST" and "request_id" in exc.details
            continue
        try:
            req.series("binance")
        except DataServiceError:
            pass


@settings(max_examples=100, deadline=None)
@given(obj=requests)
def test_fuzzed_mappings_give_a_request_or_a_clean_error(obj):
    try:
        req = parse_historical(obj, max_bytes=MAX)
    except InvalidRequestError:
        return
    assert 1_230_768_000_000 <= req.start < req.end <= 4_102_444_800_000


@pytest.mark.parametrize(
    "value", ["2009-01-01T00:00Z", "2009-01-01T00:00:00Z", "2009-01-01", 1_230_768_000_000]
)
def test_the_earliest_accepted_time_is_2009_01_01_utc(value):
    assert parse_time(value) == 1_230_768_000_000
    request = parse_historical(historical(start=value, end=FEB), max_bytes=MAX)
    assert request.start == 1_230_768_000_000
