"""Arrow chunks (``"encoding": "arrow"``): the server's encoder against the client package's decoder,
exact round trips over random tables, the message size limit, deterministic splitting."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbdata_client import ServiceError
from cbdata_client.arrow_chunks import decode_chunk, table_rows
from shared.api.encoding import rows_of
from shared.api.parquet_export import SCHEMA as HANDED_OUT
from shared.store.parquet_codec import SCHEMA
from shared.webpubsub.arrow_chunks import (
    arrow_chunk_messages,
    arrow_rows_per_chunk,
    decode_table,
    encode_table,
)
from shared.webpubsub.chunks import rows_per_chunk

WEBPUBSUB_FRAME_LIMIT = 1_048_576
# any double JSON can carry: tiny, huge, negative zero, subnormal
prices = st.floats(allow_nan=False, allow_infinity=False)
candle_rows = st.lists(
    st.tuples(st.integers(1_230_768_000_000, 4_102_444_800_000), prices, prices, prices, prices, prices),
    max_size=80,
)


def table(rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(SCHEMA.names, r, strict=True)) for r in rows], schema=SCHEMA)


@settings(max_examples=80, deadline=None)
@given(rows=candle_rows)
def test_a_table_round_trips_exactly_through_the_client_decoder(rows):
    encoded = encode_table(table(rows))
    decoded = decode_chunk(encoded, len(rows))
    assert decoded.schema.remove_metadata() == HANDED_OUT.remove_metadata()
    assert table_rows(decoded) == [list(r) for r in rows] == [list(r) for r in rows_of(table(rows))]
    # bit for bit, including -0.0 and subnormals
    for name in HANDED_OUT.names[1:]:
        got = decoded.column(name).to_numpy().view(np.int64)
        want = np.array([r[HANDED_OUT.names.index(name)] for r in rows], dtype=np.float64).view(np.int64)
        assert got.tolist() == want.tolist()
    assert decode_table(encoded).equals(decoded)


@settings(max_examples=60, deadline=None)
@given(rows=candle_rows.filter(bool), limit=st.integers(2_500, 12_000))
def test_chunk_messages_stay_under_the_limit_split_deterministically_and_round_trip(rows, limit):
    messages = arrow_chunk_messages("r" * 30, 3, table(rows), limit)
    assert all(len(m) < limit for m in messages)
    decoded = [orjson.loads(m) for m in messages]
    assert [m["seq"] for m in decoded] == list(range(3, 3 + len(decoded)))
    assert {(m["type"], m["request_id"], m["encoding"]) for m in decoded} == {
        ("historical_data_chunk", "r" * 30, "arrow")
    }
    back = [row for m in decoded for row in table_rows(decode_chunk(m["data"], m["count"]))]
    assert back == [list(r) for r in rows]
    assert arrow_chunk_messages("r" * 30, 3, table(rows), limit) == messages  # a retry: the same bytes


def test_a_full_chunk_of_incompressible_candles_fits_in_one_frame():
    """The worst case for zstd: random bits in every column. The default chunk still fits (halved if
    needed), under the service's 900 kB and the Web PubSub frame limit of 1 MiB."""
    n = arrow_rows_per_chunk(900_000)
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 2**62, size=(5, n), dtype=np.int64).view(np.float64)
    noise[~np.isfinite(noise)] = 1.0
    stamps = np.arange(n, dtype=np.int64) * 60_000 + 1_704_067_200_000
    worst = pa.Table.from_arrays([pa.array(stamps), *map(pa.array, noise)], schema=SCHEMA)
    messages = arrow_chunk_messages("q", 0, worst, 900_000)
    assert all(len(m) < 900_000 < WEBPUBSUB_FRAME_LIMIT for m in messages)
    assert sum(orjson.loads(m)["count"] for m in messages) == n and len(messages) == 2


def test_arrow_chunks_are_larger_than_json_ones_within_the_same_limit():
    assert arrow_rows_per_chunk(900_000) == 22_474 > rows_per_chunk(900_000) == 10_000
    assert arrow_rows_per_chunk(2_000) == 24


@pytest.mark.parametrize(
    ("data", "count"),
    [
        ("not base64!", 1),
        ("aGVsbG8=", 1),  # base64, not Arrow
        (None, 1),
        (encode_table(table([(1_704_067_200_000, 1.0, 2.0, 0.5, 1.5, 3.0)])), 2),  # count disagrees
    ],
)
def test_a_chunk_that_is_not_what_it_says_is_a_bad_response(data, count):
    with pytest.raises(ServiceError) as caught:
        decode_chunk(data, count)
    assert caught.value.code == "BAD_RESPONSE"
