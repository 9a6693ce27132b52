"""Fuzzing handle_user_event: whatever arrives, an error_response reply of the right shape, never an
exception, never a job (and nothing written to storage)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.webpubsub.events import handle_user_event
from tests.webpubsub.helpers import error_reply, historical
from tests.webpubsub.payloads import user_event

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
path_like = st.sampled_from(
    [
        "../../etc/passwd",
        "..",
        "a/../../b",
        "/abs",
        "C:\\x",
        "BTC/USDT/../../x",
        "%2e%2e/",
        "BTC\x00USDT",
        "~/.ssh",
    ]
)
absurd_times = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).filter(
        lambda v: not 1_230_768_000_000 <= v <= 4_102_444_800_000
    ),
    st.sampled_from(["0000-00-00", "9999-12-31T00:00:00Z", "1e30", "NaN", "", "tomorrow", "2024-13-01"]),
)
# One certain defect per request (so none is valid), plus random noise in the other fields.
series_defects = st.one_of(
    st.builds(
        lambda k, v: {k: v},
        st.text(min_size=1, max_size=12).filter(lambda k: k not in historical()),
        json_values,
    ),
    st.builds(lambda v: {"symbol": v}, path_like),
    st.builds(
        lambda v: {"timeframe": v},
        st.one_of(st.integers(), st.none(), st.sampled_from(["1y", "../1m", "", "0m"])),
    ),
    st.builds(
        lambda v: {"exchange": v}, st.one_of(path_like, st.integers(), st.sampled_from(["kraken", "BINANCE"]))
    ),
    st.builds(
        lambda v: {"request_id": v},
        st.one_of(st.integers(), st.lists(st.text()), st.text(min_size=129, max_size=200)),
    ),
    st.just({"symbol": ...}),
)
range_defects = st.one_of(
    st.builds(lambda v: {"start": v}, absurd_times),
    st.builds(lambda v: {"end": v}, absurd_times),
    st.just({"start": 1_735_689_600_000, "end": 1_735_689_600_000}),
    st.just({"start": ...}),
)
noise = st.dictionaries(
    st.sampled_from(["request_id", "exchange"]), st.text(max_size=10) | st.none(), max_size=2
)


def without_range(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("start", "end")}


@FUZZ
@given(noise=noise, defect=st.one_of(series_defects, range_defects))
async def test_bad_historical_requests(services, limiter, noise, defect) -> None:
    body = historical(**{**noise, **defect})
    error_reply(await handle_user_event(services, user_event(body), limiter))
    assert await services.backend.list("webpubsub/") == []


@FUZZ
@given(noise=noise, defect=series_defects)
async def test_bad_current_timestamp_requests(services, limiter, noise, defect) -> None:
    body = without_range(historical(**{**noise, **defect}))
    raw = user_event(body, event_name="request_current_timestamp")
    error_reply(await handle_user_event(services, raw, limiter))


@FUZZ
@given(
    data=st.one_of(st.text(max_size=300), json_values.map(json.dumps)),
    data_type=st.sampled_from(["Json", "Text", "Binary", "json", "XML"]),
    event=st.text(max_size=30) | st.sampled_from(["request_historical", "request_current_timestamp"]),
)
async def test_arbitrary_data(services, limiter, data, data_type, event) -> None:
    outcome = await handle_user_event(
        services, user_event(data, event_name=event or "x", data_type=data_type), limiter
    )
    error_reply(outcome)


@FUZZ
@given(raw=st.one_of(st.text(max_size=500), st.binary(max_size=300), json_values.map(json.dumps)))
async def test_malformed_trigger_payloads(services, limiter, raw) -> None:
    error_reply(await handle_user_event(services, raw, limiter))


@FUZZ
@given(
    context=st.dictionaries(
        st.sampled_from(["eventType", "eventName", "hub", "connectionId", "userId", "states", "other"]),
        json_values,
        max_size=7,
    ),
    top=st.dictionaries(st.sampled_from(["data", "dataType", "extra"]), json_values, max_size=3),
)
async def test_wrong_types_in_the_trigger_payload(services, limiter, context, top) -> None:
    raw = json.dumps({"connectionContext": context, **top})
    error_reply(await handle_user_event(services, raw, limiter))
    assert await services.backend.list("webpubsub/") == []
