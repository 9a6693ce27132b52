"""Interval arithmetic checked against a plain set-of-integers model (hypothesis)."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from shared.intervals import align, clip, missing, normalize, subtract, total, union

points = st.integers(min_value=0, max_value=60)
intervals = st.lists(st.tuples(points, points), max_size=8)


def as_set(ivs):
    return {x for s, e in ivs for x in range(s, e)}


def is_normal(ivs):
    return all(s < e for s, e in ivs) and all(a[1] < b[0] for a, b in itertools.pairwise(ivs))


@given(intervals)
def test_normalize_keeps_the_points_and_is_normal(ivs):
    out = normalize(ivs)
    assert as_set(out) == as_set(ivs)
    assert is_normal(out)


@given(intervals, intervals)
def test_union(a, b):
    out = union(a, b)
    assert as_set(out) == as_set(a) | as_set(b)
    assert is_normal(out)


@given(intervals, intervals)
def test_subtract(a, b):
    out = subtract(a, b)
    assert as_set(out) == as_set(a) - as_set(b)
    assert is_normal(out)


@given(intervals, points, points)
def test_clip_and_missing(a, s, e):
    assert as_set(clip(a, s, e)) == {x for x in as_set(a) if s <= x < e}
    assert as_set(missing(a, s, e)) == set(range(s, e)) - as_set(a)
    assert total(missing(a, s, e)) == len(set(range(s, e)) - as_set(a))


@given(intervals, st.integers(min_value=1, max_value=7))
def test_align_keeps_exactly_the_grid_points(a, step):
    out = align(a, step)
    assert {x for x in as_set(out) if x % step == 0} == {x for x in as_set(a) if x % step == 0}
    assert all(s % step == 0 and e % step == 0 for s, e in out)


def test_adjacent_intervals_merge():
    assert normalize([(5, 10), (0, 5), (12, 12)]) == [(0, 10)]
