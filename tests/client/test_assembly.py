"""Reassembling a historical answer: any order, repeats dropped, completeness checked."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbdata_client import HistoricalAssembly, ServiceError, ServiceTimeoutError, message_of
from shared.errors import DataServiceError

RID = "q-1"


def _rows(n: int, first: int = 1_704_067_200_000) -> list[list]:
    return [[first + i * 60_000, 1.0 + i, 2.0 + i, 0.5 + i, 1.5 + i, 10.0 * i] for i in range(n)]


def _answer(rows: list[list], per_chunk: int, rid: str | None = RID) -> tuple[list[dict], dict]:
    chunks = [rows[i : i + per_chunk] for i in range(0, len(rows), per_chunk)]
    messages = [
        {"type": "historical_data_chunk", "request_id": rid, "seq": s, "data": c}
        for s, c in enumerate(chunks)
    ]
    complete = {
        "type": "historical_data_complete",
        "request_id": rid,
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": 0,
        "end": 1,
        "count": len(rows),
        "chunks": len(chunks),
    }
    return messages, complete


@given(
    n=st.integers(0, 60),
    per_chunk=st.integers(1, 7),
    data=st.data(),
)
def test_chunks_in_any_order_with_repeats_give_the_rows(n, per_chunk, data):
    rows = _rows(n)
    chunks, complete = _answer(rows, per_chunk)
    repeats = data.draw(st.lists(st.sampled_from(chunks), max_size=5)) if chunks else []
    noise = [
        {"type": "historical_data_progress", "request_id": RID, "done": 1, "total": 2},
        {"type": "historical_data_chunk", "request_id": "other", "seq": 0, "data": [[1, 1, 1, 1, 1, 1]]},
    ]
    shuffled = data.draw(st.permutations(chunks + repeats + noise))
    assembly = HistoricalAssembly(RID)
    assert not any(assembly.feed(m) for m in shuffled)
    assert assembly.feed(complete) is True
    assert assembly.rows() == rows


def test_a_repeat_replaces_the_copy_held():
    rows = _rows(4)
    chunks, complete = _answer(rows, 2)
    assembly = HistoricalAssembly(RID)
    assembly.feed({**chunks[1], "data": [[0, 0, 0, 0, 0, 0]]})
    for m in [*chunks, complete]:
        assembly.feed(m)
    assert assembly.rows() == rows


def test_a_missing_chunk_is_an_error():
    chunks, complete = _answer(_rows(10), 3)
    assembly = HistoricalAssembly(RID)
    for m in [chunks[0], chunks[2], chunks[3], complete]:
        assembly.feed(m)
    with pytest.raises(ServiceError) as caught:
        assembly.rows()
    assert (
        caught.value.code == "INCOMPLETE_RESPONSE"
        and "1 of 4 chunks never arrived (seq 1)" in caught.value.message
    )


def test_a_count_mismatch_is_an_error():
    chunks, complete = _answer(_rows(10), 3)
    assembly = HistoricalAssembly(RID)
    for m in [*chunks, {**complete, "count": 11}]:
        assembly.feed(m)
    with pytest.raises(ServiceError, match="the chunks hold 10 candles, the service counted 11") as caught:
        assembly.rows()
    assert caught.value.code == "INCOMPLETE_RESPONSE"


def test_rows_out_of_order_are_an_error():
    rows = _rows(4)
    chunks, complete = _answer([rows[1], rows[0], *rows[2:]], 2)
    assembly = HistoricalAssembly(RID)
    for m in [*chunks, complete]:
        assembly.feed(m)
    with pytest.raises(ServiceError) as caught:
        assembly.rows()
    assert caught.value.code == "BAD_RESPONSE"


def test_an_empty_range_completes_with_no_rows():
    assembly = HistoricalAssembly(RID)
    assert assembly.feed(_answer([], 5)[1])
    assert assembly.rows() == []


@pytest.mark.parametrize("rid", [RID, None])
def test_an_error_response_raises_the_service_code(rid):
    chunks, _ = _answer(_rows(3), 2)
    assembly = HistoricalAssembly(RID)
    assembly.feed(chunks[0])
    assert assembly.feed(
        {
            "type": "error_response",
            "request_id": rid,
            "code": "COIN_NOT_AVAILABLE",
            "message": "'DOGE/USDT' is not listed on binance",
        }
    )
    with pytest.raises(ServiceError) as caught:
        assembly.rows()
    err = caught.value
    assert not isinstance(err, DataServiceError)  # the client package stands alone: no server types
    assert err.code == "COIN_NOT_AVAILABLE" and err.message == "'DOGE/USDT' is not listed on binance"
    assert str(err) == "COIN_NOT_AVAILABLE: 'DOGE/USDT' is not listed on binance"
    assert pickle.loads(pickle.dumps(err)).code == "COIN_NOT_AVAILABLE"


def test_an_error_for_another_request_is_ignored():
    assembly = HistoricalAssembly(RID)
    assert not assembly.feed({"type": "error_response", "request_id": "other", "code": "X", "message": "y"})
    assert not assembly.finished


def test_the_first_final_message_wins():
    chunks, complete = _answer(_rows(2), 5)
    assembly = HistoricalAssembly(RID)
    for m in [*chunks, complete]:
        assembly.feed(m)
    assembly.feed({"type": "error_response", "request_id": RID, "code": "EXCHANGE_ERROR", "message": "late"})
    assembly.fail(ServiceError("CONNECTION_LOST", "closed"))
    assert assembly.rows() == _rows(2)


def test_an_answer_that_never_completed():
    assembly = HistoricalAssembly(RID)
    with pytest.raises(ServiceError) as caught:
        assembly.rows()
    assert caught.value.code == "INCOMPLETE_RESPONSE"
    assembly.fail(ServiceError("CONNECTION_LOST", "closed"))
    with pytest.raises(ServiceError, match="CONNECTION_LOST"):
        assembly.rows()


def test_progress_reaches_the_hook():
    seen = []
    assembly = HistoricalAssembly(RID, on_progress=lambda done, total: seen.append((done, total)))
    assembly.feed({"type": "historical_data_progress", "request_id": RID, "done": 0, "total": 100})
    assembly.feed({"type": "historical_data_progress", "request_id": RID, "done": 40, "total": 100})
    assert seen == [(0, 100), (40, 100)]


def test_message_payloads_as_the_sdk_hands_them():
    assert message_of({"type": "x"}) == {"type": "x"}
    assert message_of('{"type": "x"}') == {"type": "x"}
    assert message_of(b'{"type": "x"}') == {"type": "x"}
    assert message_of("not json") is None and message_of([1]) is None


def test_the_timeout_error_is_both_kinds():
    err = ServiceTimeoutError("no complete answer within 5 s")
    assert isinstance(err, TimeoutError) and isinstance(err, ServiceError) and err.code == "TIMEOUT"
    assert pickle.loads(pickle.dumps(err)).code == "TIMEOUT"


def test_the_numpy_assembly_equals_the_rows_and_checks_the_same():
    import numpy as np  # the client's pandas extra; always installed with the dev set-up

    from cbdata_client.assembly import assemble, assemble_array

    chunks = {
        0: [[60_000, 1.5, 2.0, 1.0, 1.25, 0.5], [120_000, 1.25, 3.0, 1.0, 2.0, 7.0]],
        1: [[180_000, 2.0, 2.5, 1.5, 2.25, 0.125]],
    }
    complete = {"chunks": 2, "count": 3}
    values = assemble_array(chunks, complete)
    assert values.dtype == np.float64 and values.tolist() == assemble(chunks, complete)
    with pytest.raises(ServiceError, match="ascending"):
        assemble_array({0: [chunks[0][1], chunks[0][0]]}, {"chunks": 1, "count": 2})
    with pytest.raises(ServiceError, match="not \\[timestamp"):
        assemble_array({0: [[60_000, 1.0, 2.0], [120_000, 1.0, 2.0]]}, {"chunks": 1, "count": 2})
    with pytest.raises(ServiceError, match="service counted 4"):
        assemble_array(chunks, {"chunks": 2, "count": 4})
    with pytest.raises(ServiceError, match="never arrived"):
        assemble_array({1: chunks[1]}, complete)


def _arrow_answer(rows: list[list], per_chunk: int) -> tuple[list[dict], dict]:
    """The same answer with chunks in the compact encoding, made by the server's own encoder."""
    import pyarrow as pa

    from shared.store.parquet_codec import SCHEMA
    from shared.webpubsub.arrow_chunks import encode_table

    messages, complete = _answer(rows, per_chunk)
    for message in messages:
        part = pa.Table.from_pylist(
            [dict(zip(SCHEMA.names, r, strict=True)) for r in message["data"]], SCHEMA
        )
        message.update(encoding="arrow", count=part.num_rows, data=encode_table(part))
    return messages, complete


@given(n=st.integers(0, 40), per_chunk=st.integers(1, 7), data=st.data())
def test_arrow_chunks_in_any_order_with_repeats_give_the_rows_the_array_and_the_table(n, per_chunk, data):
    import numpy as np

    rows = _rows(n)
    chunks, complete = _arrow_answer(rows, per_chunk)
    repeats = data.draw(st.lists(st.sampled_from(chunks), max_size=3)) if chunks else []
    assembly = HistoricalAssembly(RID)
    assert not any(assembly.feed(m) for m in data.draw(st.permutations(chunks + repeats)))
    assert assembly.feed(complete) is True
    assert assembly.arrow is bool(chunks)
    assert assembly.rows() == rows
    assert assembly.array().tolist() == np.asarray(rows, dtype=np.float64).reshape(n, 6).tolist()
    table = assembly.table()
    assert table.num_rows == n and str(table.schema.field("timestamp").type) == "timestamp[ms, tz=UTC]"
    assert table.column("timestamp").cast("int64").to_pylist() == [r[0] for r in rows]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"data": "bm90IGFycm93"}, "BAD_RESPONSE"),  # base64, not Arrow
        ({"count": 99}, "BAD_RESPONSE"),
        ({"encoding": "msgpack"}, "BAD_RESPONSE"),
    ],
)
def test_a_broken_arrow_chunk_ends_the_answer_with_a_clear_error(change, code):
    chunks, _ = _arrow_answer(_rows(10), 4)
    assembly = HistoricalAssembly(RID)
    assert assembly.feed(chunks[0] | change) is True
    with pytest.raises(ServiceError) as caught:
        assembly.rows()
    assert caught.value.code == code


def test_table_refuses_json_chunks_and_checks_the_order():
    json_chunks, complete = _answer(_rows(6), 3)
    assembly = HistoricalAssembly(RID)
    for message in [*json_chunks, complete]:
        assembly.feed(message)
    assert not assembly.arrow
    with pytest.raises(ServiceError, match="JSON rows"):
        assembly.table()
    swapped, complete = _arrow_answer(_rows(6), 3)
    swapped[0]["seq"], swapped[1]["seq"] = 1, 0
    assembly = HistoricalAssembly(RID)
    for message in [*swapped, complete]:
        assembly.feed(message)
    with pytest.raises(ServiceError, match="ascending"):
        assembly.table()
