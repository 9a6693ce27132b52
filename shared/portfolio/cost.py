"""The average-cost method, pure: a trade history in, per-asset quantity and cost out.

Per asset (priced in the account's quote currency) we keep the quantity the trades explain and its
total cost:

- a **buy** of ``a`` at ``p`` adds ``a`` to the quantity and ``a * p`` to the cost; a fee paid in the
  quote adds to the cost, a fee paid in the asset itself is received less (quantity ``a - fee``);
- a **sell** of ``a`` removes ``a`` (plus a fee paid in the asset) at the *average* cost, so the average
  does not move; the proceeds less the average cost (less a fee paid in the quote) are realised P/L.
  Selling more than the trades explain (coins that came from a deposit) empties the position;
- a position sold down to nothing (a **full exit**) resets: the next buy starts a fresh average.

Fees in a third currency (e.g. BNB) cannot be priced here and are left out (docs/portfolio.md).
Decimal arithmetic throughout, so worked examples come out exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
# Exchanges round quantities to 8-10 decimals: less than this left over counts as a full exit.
DUST = Decimal("1e-12")


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade, already checked: ``base``/``quote`` assets, positive amount, known side."""

    id: str
    ts: int
    base: str
    quote: str
    side: str  # "buy" or "sell"
    amount: Decimal
    price: Decimal
    fee: Decimal = ZERO
    fee_currency: str | None = None


@dataclass(frozen=True, slots=True)
class Holding:
    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    realised: Decimal = ZERO

    @property
    def average(self) -> Decimal | None:
        return self.cost / self.quantity if self.quantity > ZERO else None


def apply(holding: Holding, fill: Fill) -> Holding:
    """The holding of ``fill.base`` after ``fill``."""
    fee_in_base = fill.fee if fill.fee_currency == fill.base else ZERO
    fee_in_quote = fill.fee if fill.fee_currency == fill.quote else ZERO
    if fill.side == "buy":
        received = max(ZERO, fill.amount - fee_in_base)
        return Holding(
            holding.quantity + received,
            holding.cost + fill.amount * fill.price + fee_in_quote,
            holding.realised,
        )
    leaving = fill.amount + fee_in_base
    sold = min(leaving, holding.quantity)
    average = holding.average or ZERO
    realised = holding.realised + sold * fill.price - sold * average - fee_in_quote
    quantity = holding.quantity - sold
    if quantity <= DUST:  # full exit: the next buy starts a fresh average
        return Holding(ZERO, ZERO, realised)
    return Holding(quantity, holding.cost - sold * average, realised)


def apply_all(holdings: dict[str, Holding], fills: Iterable[Fill]) -> dict[str, Holding]:
    """A new map asset -> holding with ``fills`` applied by time (the given order within a ms)."""
    result = dict(holdings)
    for fill in sorted(fills, key=lambda f: f.ts):
        result[fill.base] = apply(result.get(fill.base, Holding()), fill)
    return result


def explained(held: Decimal, holding: Holding | None) -> Decimal:
    """How much of ``held`` the trade history explains (the rest has unknown cost)."""
    if holding is None:
        return ZERO
    return min(held, holding.quantity)
