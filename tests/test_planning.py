"""Fetch planning: the fewest windows covering every missing candle (hypothesis against brute force)."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from shared.fetch.planning import plan_fetch, plan_windows, requests_for, split_span

TF = 60_000
slots = st.integers(0, 80)
gap_lists = st.lists(st.tuples(slots, st.integers(1, 30)), max_size=6)


def to_missing(gaps):
    return [(s * TF, (s + n) * TF) for s, n in gaps]


def candles(ivs):
    return {t for s, e in ivs for t in range(s, e, TF)}


def min_windows(points, limit):
    """Brute-force optimum: greedy is optimal, but compute it independently by dynamic programming."""
    pts = sorted(points)
    best = {len(pts): 0}
    for i in range(len(pts) - 1, -1, -1):
        j = i
        while j < len(pts) and pts[j] < pts[i] + limit * TF:
            j += 1
        best[i] = 1 + best[j]
    return best[0] if pts else 0


@given(gap_lists, st.integers(1, 12))
def test_windows_cover_every_missing_candle_with_the_fewest_requests(gaps, limit):
    missing = to_missing(gaps)
    windows = plan_windows(missing, TF, limit)
    assert candles(missing) <= candles(windows)
    assert all(e - s <= limit * TF and s % TF == 0 for s, e in windows)
    assert len(windows) == min_windows(candles(missing), limit)
    plan = plan_fetch(missing, TF, limit)
    assert plan.requests == len(windows)
    assert plan.missing_candles == len(candles(missing))
    # paging each span from its start costs exactly the planned number of requests
    assert sum(requests_for(s, TF, limit) for s in plan.spans) == plan.requests


def test_close_small_gaps_share_one_request():
    missing = [(0, 2 * TF), (5 * TF, 6 * TF), (9 * TF, 10 * TF)]
    assert plan_windows(missing, TF, 10) == [(0, 10 * TF)]
    assert plan_windows(missing, TF, 3) == [(0, 2 * TF), (5 * TF, 6 * TF), (9 * TF, 10 * TF)]


@given(st.integers(0, 50), st.integers(1, 500), st.integers(1, 7), st.integers(1, 4))
def test_split_span_keeps_whole_windows(start, n, limit, per_chunk):
    span = (start * TF, (start + n) * TF)
    chunks = split_span(span, TF, limit, per_chunk)
    assert chunks[0][0] == span[0] and chunks[-1][1] == span[1]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    assert sum(requests_for(c, TF, limit) for c in chunks) == requests_for(span, TF, limit)


@given(st.integers(0, 50), st.integers(1, 500), st.integers(1, 7), st.integers(1, 40), st.integers(3, 60))
def test_split_span_at_partition_edges_keeps_whole_windows_and_ends_just_past_each_edge(
    start, n, limit, per_chunk, partition
):
    span = (start * TF, (start + n) * TF)
    edge = lambda ts: (ts // (partition * TF) + 1) * partition * TF  # noqa: E731
    chunks = split_span(span, TF, limit, per_chunk, edge)
    assert chunks[0][0] == span[0] and chunks[-1][1] == span[1]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    assert sum(requests_for(c, TF, limit) for c in chunks) == requests_for(span, TF, limit)
    for a, b in chunks[:-1]:
        # a chunk stops at its window cap or at the first window edge reaching its partition's end
        assert b - a == per_chunk * limit * TF or (b >= edge(a) and b - limit * TF < max(a + 1, edge(a)))
