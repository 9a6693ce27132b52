"""The average-cost method: a worked example by hand, and properties over random histories."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from shared.portfolio.cost import ZERO, Fill, Holding, apply, apply_all, explained


def fill(
    side: str, amount: str, price: str, fee: str = "0", fee_currency: str | None = "USDT", ts: int = 0
) -> Fill:
    return Fill("x", ts, "BTC", "USDT", side, D(amount), D(price), D(fee), fee_currency)


def test_worked_example() -> None:
    h = Holding()
    h = apply(h, fill("buy", "1", "100", fee="1"))  # cost 101, qty 1
    assert (h.quantity, h.cost, h.average) == (D(1), D(101), D(101))
    h = apply(h, fill("buy", "1", "200", fee="0.01", fee_currency="BTC"))  # receive 0.99, cost 301
    assert (h.quantity, h.cost) == (D("1.99"), D(301))
    avg = D(301) / D("1.99")
    h = apply(h, fill("sell", "0.99", "300", fee="2"))  # partial sell at the average: avg unchanged
    assert h.quantity == D(1) and h.average == avg
    assert h.realised == D("0.99") * 300 - D("0.99") * avg - 2
    h = apply(h, fill("sell", "1", "50"))  # full exit resets
    assert (h.quantity, h.cost, h.average) == (ZERO, ZERO, None)
    h = apply(h, fill("buy", "2", "10"))  # re-entry: a fresh average
    assert h.average == D(10)


def test_selling_more_than_explained_empties_and_explained_caps() -> None:
    h = apply(Holding(), fill("buy", "1", "100"))
    h = apply(h, fill("sell", "3", "120"))  # 2 of them came from a deposit: unknown cost
    assert h.quantity == ZERO and h.realised == D(20)
    assert explained(D(5), apply(Holding(), fill("buy", "1", "100"))) == D(1)
    assert explained(D("0.5"), apply(Holding(), fill("buy", "1", "100"))) == D("0.5")
    assert explained(D(5), None) == ZERO


amounts = st.decimals(min_value=D("0.001"), max_value=D(1000), places=3)
prices = st.decimals(min_value=D("0.01"), max_value=D(100000), places=2)
fills = st.lists(st.tuples(st.sampled_from(["buy", "sell"]), amounts, prices), max_size=30)


@given(fills)
def test_quantity_and_cost_never_negative(history: list) -> None:
    h = Holding()
    for side, amount, price in history:
        h = apply(h, fill(side, str(amount), str(price)))
        assert h.quantity >= 0 and h.cost >= 0
        assert (h.quantity == 0) == (h.cost == 0)


@given(st.lists(st.tuples(amounts, prices), min_size=1, max_size=20))
def test_buys_only_average_is_the_weighted_mean(buys: list) -> None:
    h = apply_all({}, [fill("buy", str(a), str(p)) for a, p in buys])["BTC"]
    total = sum((a for a, _ in buys), ZERO)
    assert h.quantity == total
    assert h.cost == sum((a * p for a, p in buys), ZERO)
    assert min(p for _, p in buys) <= h.average <= max(p for _, p in buys)


@given(
    st.lists(st.tuples(amounts, prices), min_size=1, max_size=10),
    st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=2),
    prices,
)
def test_a_partial_sell_keeps_the_average(buys: list, share: D, sell_price: D) -> None:
    h = apply_all({}, [fill("buy", str(a), str(p)) for a, p in buys])["BTC"]
    after = apply(h, fill("sell", str(h.quantity * share), str(sell_price)))
    assert abs(after.average - h.average) <= h.average * D("1e-20")
    assert after.realised == (sell_price - h.average) * h.quantity * share or abs(
        after.realised - (sell_price - h.average) * h.quantity * share
    ) < D("1e-15") * (1 + abs(after.realised))
