"""What one account's syncs carry from run to run: the trade cursors and the cost per asset.

A cursor per trade stream (a symbol on Binance, ``*`` for OKX's all-symbol fills) holds the newest
applied trade time, the ids applied at that very millisecond, and for id-paged exchanges the next
trade id to ask for. A trade is new when it is later than the cursor, or at the same millisecond with
an id not applied yet: so re-reading an overlap never counts a trade twice, and the cursor only moves
forward. Stored as JSON with decimals as strings (exact).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import orjson

from shared.portfolio.cost import Fill, Holding, apply_all

ALL = "*"


@dataclass(frozen=True, slots=True)
class Cursor:
    ts: int = -1
    ids: tuple[str, ...] = ()
    from_id: int | None = None  # Binance: the next ``fromId``

    def is_new(self, ts: int, trade_id: str) -> bool:
        return ts > self.ts or (ts == self.ts and trade_id not in self.ids)

    def after(self, fills: list[Fill]) -> Cursor:
        cursor = self
        for f in fills:
            if f.ts > cursor.ts:
                cursor = replace(cursor, ts=f.ts, ids=(f.id,))
            elif f.ts == cursor.ts and f.id not in cursor.ids:
                cursor = replace(cursor, ids=(*cursor.ids, f.id))
            if f.id.isdigit():
                cursor = replace(cursor, from_id=max(cursor.from_id or 0, int(f.id) + 1))
        return cursor


@dataclass(frozen=True, slots=True)
class AccountState:
    cursors: dict[str, Cursor] = field(default_factory=dict)
    holdings: dict[str, Holding] = field(default_factory=dict)
    trades_applied: int = 0

    def cursor(self, stream: str) -> Cursor:
        return self.cursors.get(stream, Cursor())

    def with_fills(self, by_stream: dict[str, list[Fill]], quote: str) -> AccountState:
        """This state with the fills that are new to it applied, cursors moved. Only fills against
        ``quote`` change the cost (others cannot be priced in it), but every fill moves the cursor."""
        cursors = dict(self.cursors)
        new: list[Fill] = []
        for stream, fills in by_stream.items():
            cursor = self.cursor(stream)
            fresh = [f for f in fills if cursor.is_new(f.ts, f.id)]
            cursors[stream] = cursor.after(sorted(fresh, key=lambda f: f.ts))
            new += fresh
        priced = [f for f in new if f.quote == quote]
        return AccountState(cursors, apply_all(self.holdings, priced), self.trades_applied + len(new))


def encode(state: AccountState) -> bytes:
    return orjson.dumps(
        {
            "version": 1,
            "trades_applied": state.trades_applied,
            "cursors": {
                s: {"ts": c.ts, "ids": list(c.ids), "from_id": c.from_id} for s, c in state.cursors.items()
            },
            "holdings": {
                a: {"quantity": str(h.quantity), "cost": str(h.cost), "realised": str(h.realised)}
                for a, h in state.holdings.items()
            },
        }
    )


def decode(data: bytes) -> AccountState:
    doc = orjson.loads(data)
    cursors = {s: Cursor(int(c["ts"]), tuple(c["ids"]), c.get("from_id")) for s, c in doc["cursors"].items()}
    holdings = {
        a: Holding(Decimal(h["quantity"]), Decimal(h["cost"]), Decimal(h["realised"]))
        for a, h in doc["holdings"].items()
    }
    return AccountState(cursors, holdings, int(doc.get("trades_applied", 0)))
