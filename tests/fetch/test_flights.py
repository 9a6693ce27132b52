"""Downloads in flight in one process (``shared.fetch.flights``): how a fill's gaps are cut around
other fills' flights, and what waiting on a flight says."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from shared.fetch.flights import Flight, Flights
from shared.series import SeriesKey

BTC = SeriesKey("binance", "BTC/USDT", "1m")


def test_gaps_are_cut_around_other_flights_in_time_order():
    flights = Flights()
    theirs = flights.take_off(BTC, (100, 200))
    parts = flights.plan(BTC, [(50, 60), (70, 150), (190, 260)])
    assert parts == [
        ([(50, 60), (70, 100)], None),  # consecutive gaps of ours are planned together
        ([(100, 150)], theirs),
        ([(190, 200)], theirs),
        ([(200, 260)], None),
    ]
    flights.land(BTC, theirs)
    assert flights.plan(BTC, [(70, 150)]) == [([(70, 150)], None)]


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)), max_size=6),
    st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)), max_size=4),
)
def test_the_parts_cover_exactly_the_gaps(raw_gaps, raw_flights):
    gaps, cursor = [], 0
    for gap, length in raw_gaps:  # sorted, disjoint
        cursor += gap
        gaps.append((cursor, cursor + length))
        cursor += length
    flights = Flights()
    for start, length in raw_flights:
        flights.take_off(BTC, (start * 3, start * 3 + length * 3))
    parts = flights.plan(BTC, gaps)
    covered = [piece for pieces, _ in parts for piece in pieces]
    assert covered == sorted(covered)
    assert sum(b - a for a, b in covered) == sum(b - a for a, b in gaps)
    assert all(any(a <= p and q <= b for a, b in gaps) for p, q in covered)


async def test_waiting_on_a_flight_says_whether_it_got_there():
    flight = Flight((0, 100))
    waiting = asyncio.create_task(flight.reach(60))
    flight.stored(50)
    await asyncio.sleep(0)
    assert not waiting.done()
    flight.stored(70)
    assert await waiting is True
    short = asyncio.create_task(flight.reach(100))
    flight.end()  # it stopped at 70
    assert await short is False
    flight.stored(100)  # nothing another fill stores moves an ended flight's mark
    assert flight.through == 70 and await flight.reach(100) is False
