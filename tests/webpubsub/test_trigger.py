"""The trigger payload parser, on payloads shaped exactly as the extension sends them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import InvalidRequestError
from shared.webpubsub.trigger import parse_user_event
from tests.webpubsub.payloads import user_event

MAX = 65_536


def test_parses_the_extension_payload() -> None:
    raw = user_event({"symbol": "BTC/USDT"}, connection_id="abc~1=", user_id=None)
    assert raw.startswith("{\n  ")  # indented, as the extension writes it
    event = parse_user_event(raw, max_data_bytes=MAX)
    assert event.event_name == "request_historical"
    assert event.connection_id == "abc~1="
    assert event.hub == "marketdata"
    assert event.user_id is None
    assert json.loads(event.data) == {"symbol": "BTC/USDT"}
    assert event.data_type == "json"


@pytest.mark.parametrize("data_type", ["Json", "json", "JSON", "Text", "Binary"])
def test_data_type_is_case_insensitive(data_type: str) -> None:
    event = parse_user_event(user_event({}, data_type=data_type), max_data_bytes=MAX)
    assert event.data_type == data_type.lower()


def test_event_type_is_case_insensitive_and_must_be_user() -> None:
    payload = json.loads(user_event({}))
    payload["connectionContext"]["eventType"] = "user"
    assert parse_user_event(json.dumps(payload), max_data_bytes=MAX).event_name == "request_historical"
    payload["connectionContext"]["eventType"] = "System"
    with pytest.raises(InvalidRequestError, match="user event"):
        parse_user_event(json.dumps(payload), max_data_bytes=MAX)


def test_bytes_and_unknown_fields_are_accepted() -> None:
    raw = user_event({}, subprotocols=[], claims={"x": ["y"]}).encode()
    assert parse_user_event(raw, max_data_bytes=MAX).connection_id == "conn-1"


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p.pop("connectionContext"), "connectionContext"),
        (lambda p: p["connectionContext"].pop("connectionId"), "connectionId"),
        (lambda p: p["connectionContext"].update(connectionId="a b"), "connectionId"),
        (lambda p: p["connectionContext"].update(connectionId="x" * 257), "connectionId"),
        (lambda p: p["connectionContext"].update(connectionId=7), "connectionId"),
        (lambda p: p["connectionContext"].update(connectionId=".."), "connectionId"),
        (lambda p: p["connectionContext"].update(connectionId="."), "connectionId"),
        (lambda p: p["connectionContext"].update(eventName=None), "eventName"),
        (lambda p: p["connectionContext"].update(hub=""), "hub"),
        (lambda p: p["connectionContext"].update(userId=["a"]), "userId"),
        (lambda p: p.update(data={"symbol": "BTC/USDT"}), "data"),
        (lambda p: p.pop("data"), "data"),
        (lambda p: p.update(dataType="Protobuf"), "dataType"),
        (lambda p: p.update(dataType=1), "dataType"),
    ],
)
def test_malformed_payloads_are_refused(mutate, match: str) -> None:
    payload = json.loads(user_event({}))
    mutate(payload)
    with pytest.raises(InvalidRequestError, match=match):
        parse_user_event(json.dumps(payload), max_data_bytes=MAX)


def test_oversized_data_is_refused_before_parsing_it() -> None:
    with pytest.raises(InvalidRequestError, match="larger than"):
        parse_user_event(user_event("x" * (MAX + 1)), max_data_bytes=MAX)
    with pytest.raises(InvalidRequestError, match="larger than"):
        parse_user_event(user_event("x" * 10_485_760), max_data_bytes=MAX)


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200), st.none(), st.integers()))
def test_arbitrary_input_raises_only_invalid_request(raw) -> None:
    try:
        parse_user_event(raw, max_data_bytes=MAX)
    except InvalidRequestError:
        pass
