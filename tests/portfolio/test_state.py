"""Trade cursors: reading overlapping pages (as overlapping or repeated syncs do) applies each trade
exactly once, and the stored state survives its JSON round trip exactly."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from shared.portfolio.cost import Fill
from shared.portfolio.state import AccountState, decode, encode


@st.composite
def histories(draw) -> list[Fill]:
    """Trades in exchange order: time never goes back, several may share a millisecond."""
    steps = draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["buy", "sell"]),
                                    st.integers(1, 500), st.integers(1, 900)), max_size=40))  # fmt: skip
    ts, fills = 1_000, []
    for n, (gap, side, amount, price) in enumerate(steps):
        ts += gap
        fills.append(Fill(str(n + 1), ts, "BTC", "USDT", side, D(amount) / 100, D(price)))
    return fills


@given(histories(), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=8))
def test_overlapping_batches_apply_each_trade_once(fills: list[Fill], windows: list[tuple[int, int]]) -> None:
    once = AccountState().with_fills({"BTC/USDT": fills}, "USDT")
    state = AccountState()
    done = 0
    for a, b in windows:  # each sync sees the trades from somewhere at or before its cursor
        lo = min(a, done)
        hi = max(lo, min(len(fills), max(a, b)))
        state = state.with_fills({"BTC/USDT": fills[lo:hi]}, "USDT")
        done = max(done, hi)
    state = state.with_fills({"BTC/USDT": fills}, "USDT")  # finally everything, again
    assert state.trades_applied == len(fills)
    assert state.holdings == once.holdings
    assert decode(encode(state)) == state


def test_other_quotes_move_the_cursor_but_not_the_cost() -> None:
    eth_btc = Fill("1", 5, "ETH", "BTC", "buy", D(1), D("0.05"))
    state = AccountState().with_fills({"*": [eth_btc]}, "USDT")
    assert state.holdings == {} and state.cursor("*").ts == 5 and state.trades_applied == 1
    assert not state.cursor("*").is_new(5, "1") and state.cursor("*").is_new(5, "2")
