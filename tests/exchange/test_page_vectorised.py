"""The numpy page check accepts and rejects exactly what the row-by-row rules do."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.exchange.page import _clean_by_row, _clean_vectorised, clean_rows

TF = 60_000
PRICES = st.one_of(
    st.floats(min_value=0.5, max_value=20.0),
    st.sampled_from([0.0, -1.0, math.nan, math.inf, -math.inf, 10.0, 11.0, 12.0, 9.0]),
)
ROW = st.tuples(
    st.integers(-3, 15).map(lambda i: i * TF) | st.integers(-TF, 15 * TF),
    PRICES, PRICES, PRICES, PRICES,
    st.one_of(st.floats(min_value=0, max_value=50), st.sampled_from([-0.0, -1.0, math.nan, math.inf])),
).map(list)  # fmt: skip


def same(a: tuple, b: tuple) -> bool:
    return repr(a) == repr(b)  # NaN-safe structural comparison


@settings(max_examples=400, deadline=None)
@given(raw=st.lists(ROW, max_size=30), start=st.integers(-2, 6), width=st.integers(1, 12))
def test_vectorised_check_equals_the_row_rules(raw: list, start: int, width: int) -> None:
    lo, hi = start * TF, (start + width) * TF
    fast = _clean_vectorised(raw, lo, hi, TF)
    slow = _clean_by_row(raw, lo, hi, TF)
    if fast is not None:
        assert same(fast, slow)
    assert same(clean_rows(raw, lo, hi, TF), slow)


def test_a_plain_ccxt_page_takes_the_vectorised_path() -> None:
    raw = [[i * TF, 10.0, 12.0, 9.0, 11.0, 1.0] for i in range(1000)]
    result = _clean_vectorised(raw, 0, 1000 * TF, TF)
    assert result is not None and result[0] == raw and result[1] == []


def test_other_shapes_take_the_row_path() -> None:
    assert _clean_vectorised([[0, 10, 12.0, 9.0, 11.0, 1.0]], 0, TF, TF) is None  # an int price
    assert _clean_vectorised([[0, 10.0, 12.0, 9.0, 11.0, None]], 0, TF, TF) is None
    assert _clean_vectorised([[True, 10.0, 12.0, 9.0, 11.0, 1.0]], 0, TF, TF) is None
    assert _clean_vectorised([[0, 10.0, 12.0, 9.0, 11.0, 1.0]] * 2, 0, TF, TF) is None  # a repeat
