"""Encoding candle tables: rechunking, message splitting and CSV (properties over random tables)."""

from __future__ import annotations

import itertools

import orjson
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.api.encoding import ohlcv_csv, ohlcv_json, rows_of
from shared.store.parquet_codec import SCHEMA
from shared.webpubsub.chunks import Rechunker, chunk_messages, rows_per_chunk

prices = st.floats(min_value=1e-12, max_value=1e15, allow_nan=False)


def table(rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(SCHEMA.names, r, strict=True)) for r in rows], schema=SCHEMA)


candle_rows = st.lists(st.tuples(st.integers(0, 2**52), prices, prices, prices, prices, prices), max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows=candle_rows, cuts=st.lists(st.integers(0, 60), max_size=6), size=st.integers(1, 17))
def test_rechunking_keeps_every_row_in_order_in_fixed_sizes(rows, cuts, size):
    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    chunker, out = Rechunker(size), []
    for lo, hi in itertools.pairwise(bounds):
        out.extend(rows_of(t) for t in chunker.add(table(rows[lo:hi])))
    tail = chunker.finish()
    out += [rows_of(tail)] if tail is not None else []
    assert [r for chunk in out for r in chunk] == rows
    assert all(len(c) == size for c in out[:-1]) and all(0 < len(c) <= size for c in out)


@settings(max_examples=60, deadline=None)
@given(rows=candle_rows.filter(bool), limit=st.integers(400, 3_000))
def test_chunk_messages_stay_under_the_limit_and_roundtrip(rows, limit):
    encoded = chunk_messages("r" * 30, 5, rows, limit)
    assert all(len(m) < limit for m in encoded)
    decoded = [orjson.loads(m) for m in encoded]
    assert [m["seq"] for m in decoded] == list(range(5, 5 + len(decoded)))
    assert [tuple(r) for m in decoded for r in m["data"]] == rows
    assert chunk_messages("r" * 30, 5, rows, limit) == encoded


def test_rows_per_chunk_is_about_ten_thousand_for_the_default_limit():
    assert rows_per_chunk(900_000) == 10_000 and rows_per_chunk(2_000) == 10


@settings(max_examples=60, deadline=None)
@given(rows=candle_rows)
def test_csv_and_json_carry_the_same_numbers(rows):
    lines = ohlcv_csv(rows).decode().splitlines()
    assert lines[0] == "timestamp,open,high,low,close,volume"
    parsed = [tuple(orjson.loads(f"[{line}]")) for line in lines[1:]]
    assert parsed == rows == [tuple(r) for r in orjson.loads(ohlcv_json({}, rows))["data"]]


@settings(max_examples=60, deadline=None)
@given(rows=candle_rows, cuts=st.lists(st.integers(0, 60), max_size=6))
def test_bodies_encoded_batch_by_batch_are_the_same_bytes(rows, cuts):
    from shared.api.encoding import CSV_HEADER, csv_rows, json_rows, ohlcv_json_body

    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    batches = [table(rows[a:b]) for a, b in itertools.pairwise(bounds)] or [table([])]
    header = {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m", "start": 0, "end": 1}
    assert ohlcv_json_body(header, [json_rows(b) for b in batches]) == ohlcv_json(header, rows)
    assert CSV_HEADER + b"".join(csv_rows(b) for b in batches) == ohlcv_csv(rows)
