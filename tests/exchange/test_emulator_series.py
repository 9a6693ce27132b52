"""The emulator's vectorised, cached candles equal its scalar reference formulas, bit for bit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.emulator.series import SyntheticSeries

MIN = 60_000
BASE = 1_735_689_600_000  # 2025-01-01
TFS = [1_000, MIN, 5 * MIN, 3_600_000, 86_400_000]


def reference_rows(
    s: SyntheticSeries, tf: int, lo: int, hi: int, now: int, limit: int, newest_first: bool
) -> list:
    """The emulator's rows as the scalar formulas define them (one slot at a time)."""
    if s.latest_only is not None:
        lo, hi = max(lo, now - now % tf - (s.latest_only - 1) * tf), now
    first = max(-(-lo // tf) * tf, s.listing_ms - s.listing_ms % tf)
    last = min(hi, now)
    last -= last % tf
    slots = range(last, first - tf, -tf) if newest_first else range(first, last + tf, tf)
    out = [s.served(ts, tf, now) for ts in slots if s.has(ts, tf)]
    return out[:limit]


def same(a: list, b: list) -> bool:
    # NaN (the "nan" corruption) compares unequal to itself; compare its repr instead
    return [[repr(x) for x in row] for row in a] == [[repr(x) for x in row] for row in b]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(-5, 1000),
    base=st.sampled_from([30_000.0, 2_000.0, 0.5, 123.456]),
    decimals=st.integers(0, 5),
    tf=st.sampled_from(TFS),
    offset=st.integers(0, 3000),
    span=st.integers(0, 2500),
    limit=st.integers(1, 1000),
    newest_first=st.booleans(),
    gaps=st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 400)), max_size=3),
    corrupt=st.dictionaries(
        st.integers(0, 3000),
        st.sampled_from(["high_below", "low_above", "negative_volume", "nan", "misaligned"]),
        max_size=4,
    ),
    now_offset=st.integers(0, 3000),
    listing=st.integers(0, 500),
    latest=st.one_of(st.none(), st.integers(1, 800)),
)
def test_rows_equal_the_scalar_reference(
    seed, base, decimals, tf, offset, span, limit, newest_first, gaps, corrupt, now_offset, listing, latest
) -> None:
    s = SyntheticSeries(
        "X/Y", seed=seed, base_price=base, decimals=decimals, listing_ms=BASE + listing * tf,
        gaps=[(BASE + a * tf + tf // 3, BASE + (a + n) * tf) for a, n in gaps],
        corrupt={BASE + k * tf: kind for k, kind in corrupt.items()}, latest_only=latest,
    )  # fmt: skip
    now = BASE + now_offset * tf + tf // 2  # mid-candle: an open candle exists
    lo, hi = BASE + offset * tf - tf // 4, BASE + (offset + span) * tf
    assert same(
        s.rows(tf, lo, hi, now, limit, newest_first), reference_rows(s, tf, lo, hi, now, limit, newest_first)
    )
    truth = s.ground_truth(tf, lo, hi, now)
    expected = [s.candle(ts, tf, now) for ts in range(-(-lo // tf) * tf, min(hi, now - tf + 1), tf)
                if ts >= 0 and s.has(ts, tf) and ts not in s.corrupt and ts + tf <= now]  # fmt: skip
    assert same(truth, expected)


def test_a_year_of_minutes_is_identical_to_the_reference_at_sampled_slots() -> None:
    s = SyntheticSeries("BTC/USDT", seed=1, base_price=30_000.0)
    now = BASE + 366 * 86_400_000
    rows = s.ground_truth(MIN, BASE, BASE + 365 * 86_400_000, now)
    assert len(rows) == 365 * 1440
    for row in rows[::997]:
        assert row == s.candle(row[0], MIN, now)
