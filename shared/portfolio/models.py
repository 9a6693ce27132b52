"""One account's snapshot: a line per held asset, the totals, derivatives positions, and the outcome.

Plain data, serialised as the latest document (JSON) and as history rows (Parquet). Numbers are
floats for readers; ``None`` where a value is not known (no market, no trade history).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from shared.portfolio.cost import Holding, explained


@dataclass(frozen=True, slots=True)
class AssetLine:
    asset: str
    quantity: float
    price: float | None  # in the account's quote; None: no market for it (or delisted)
    value: float | None
    average_entry: float | None  # None: the trade history explains none of it
    explained_quantity: float  # how much of ``quantity`` the trade history explains
    unexplained_quantity: float  # from deposits or transfers: cost unknown, no P/L claimed
    cost_basis: float | None
    unrealised_pnl: float | None
    unrealised_pnl_pct: float | None
    realised_pnl: float | None


@dataclass(frozen=True, slots=True)
class Totals:
    value: float  # of the priced assets
    cost_basis: float
    unrealised_pnl: float
    unrealised_pnl_pct: float | None
    unpriced_assets: list[str]


@dataclass(frozen=True, slots=True)
class Snapshot:
    account: str
    exchange: str
    quote: str
    taken_at: int  # ms since the epoch, UTC
    status: str  # "ok" or "failed"
    error: dict[str, str] | None = None  # {"code", "message"} when failed
    assets: list[AssetLine] = field(default_factory=list)
    totals: Totals | None = None
    positions: list[dict[str, Any]] = field(default_factory=list)
    new_trades: int = 0
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def asset_line(asset: str, held: Decimal, price: Decimal | None, holding: Holding | None) -> AssetLine:
    known = explained(held, holding)
    average = holding.average if holding is not None and known > 0 else None
    basis = known * average if average is not None else None
    pnl = known * (price - average) if price is not None and average is not None else None
    pct = (price / average - 1) * 100 if price is not None and average else None
    realised = holding.realised if holding is not None else None
    return AssetLine(
        asset,
        float(held),
        _f(price),
        _f(held * price if price is not None else None),
        _f(average),
        float(known),
        float(held - known),
        _f(basis),
        _f(pnl),
        _f(pct),
        _f(realised),
    )


def totals(lines: list[AssetLine]) -> Totals:
    value = sum(line.value for line in lines if line.value is not None)
    basis = sum(line.cost_basis for line in lines if line.cost_basis is not None and line.price is not None)
    pnl = sum(line.unrealised_pnl for line in lines if line.unrealised_pnl is not None)
    pct = pnl / basis * 100 if basis else None
    return Totals(value, basis, pnl, pct, [line.asset for line in lines if line.price is None])
