"""Deterministic synthetic candles for one market of the emulated exchange.

Prices are a smooth function of time (slow and fast waves around ``base_price``) plus hash noise
from ``seed``, so any candle can be computed on its own, in any order, identically every time.
``open(t) = price(t)``, ``close(t) = price(t + tf)`` (a candle closes where the next one opens).

What the exchange *has*: a candle for every slot ``ts`` with ``ts + tf > listing_ms`` whose whole
span is not inside one of ``gaps`` (``[start, end)`` ms spans with no trades). Slots in
``corrupt`` (``ts -> kind``) are served broken and are not part of the ground truth. The slot
containing "now" is served as an open candle (close = price(now), partial volume).
``latest_only=N`` serves like Kraken: only the latest N candles (the open one included), from
``max(since, horizon)``, ignoring any end bound.

The scalar methods (``price``, ``candle``, ``served``) are the reference definition; serving and
``ground_truth`` compute the same numbers vectorised and cached (candles.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from tests.emulator import candles

_MASK = (1 << 64) - 1
DAY_MS = 86_400_000
CORRUPT_KINDS = ("high_below", "low_above", "negative_volume", "nan", "misaligned")


def _unit(seed: int, ts: int, salt: int) -> float:
    """splitmix64-style hash of (seed, ts, salt) mapped to [0, 1)."""
    z = (ts * 0x9E3779B97F4A7C15 + seed * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((z ^ (z >> 31)) & _MASK) / 2.0**64


@dataclass
class SyntheticSeries:
    symbol: str
    seed: int = 1
    base_price: float = 30_000.0
    decimals: int = 2
    listing_ms: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    corrupt: dict[int, str] = field(default_factory=dict)
    latest_only: int | None = None

    def price(self, t_ms: int) -> float:
        d = t_ms / DAY_MS
        s = self.seed
        wave = 0.15 * math.sin(d * 0.2094 + s) + 0.04 * math.sin(d * 8.17 + 2 * s)
        wiggle = 0.003 * math.sin(t_ms / 3_600_000 * 7.1 + s) + 0.0008 * (_unit(s, t_ms, 1) - 0.5)
        return round(self.base_price * (1 + wave + wiggle), self.decimals)

    def has(self, ts: int, tf: int) -> bool:
        if ts + tf <= self.listing_ms:
            return False
        return not any(g0 <= ts and ts + tf <= g1 for g0, g1 in self.gaps)

    def candle(self, ts: int, tf: int, now_ms: int, o: float | None = None, c: float | None = None) -> list:
        """``[ts, o, h, l, c, v]`` as the exchange has it at ``now_ms`` (open candle: partial).
        ``o``/``c`` may be passed in when already known (neighbouring candles share them)."""
        closed = ts + tf <= now_ms
        o = self.price(ts) if o is None else o
        c = self.price(ts + tf if closed else now_ms) if c is None or not closed else c
        u = _unit(self.seed, ts, 2)  # one hash, three independent-looking fractions
        u2, u3 = (u * 1024) % 1.0, (u * 1_048_576) % 1.0
        hi = round(max(o, c) * (1 + 0.002 * u), self.decimals)
        lo = round(min(o, c) * (1 - 0.002 * u2), self.decimals)
        vol = round((0.5 + 40 * u3) * math.sqrt(tf / 60_000), 4)
        if not closed:
            vol = round(vol * (now_ms - ts) / tf, 4)
        return [ts, o, hi, lo, c, vol]

    def served(self, ts: int, tf: int, now_ms: int, o: float | None = None, c: float | None = None) -> list:
        """The row on the wire for slot ``ts``: the candle, or its corrupted form."""
        row = self.candle(ts, tf, now_ms, o, c)
        kind = self.corrupt.get(ts)
        return row if kind is None else self._corrupted(row, kind, tf)

    def _corrupted(self, row: list, kind: str, tf: int) -> list:
        ts = row[0]
        if kind == "high_below":
            row[2] = round(min(row[1], row[4]) * 0.99, self.decimals)
        elif kind == "low_above":
            row[3] = round(max(row[1], row[4]) * 1.01, self.decimals)
        elif kind == "negative_volume":
            row[5] = -abs(row[5]) - 1.0
        elif kind == "nan":
            row[4] = math.nan
        elif kind == "misaligned":
            row[0] = ts + tf // 2
        return row

    def slots(self, tf: int, lo: int, hi: int, now_ms: int, newest_first: bool = False) -> Iterator[int]:
        """Slots the exchange has with ``lo <= ts <= hi`` and ``ts <= now`` (open candle included)."""
        yield from self.slot_array(tf, lo, hi, now_ms, None, newest_first).tolist()

    def slot_array(
        self, tf: int, lo: int, hi: int, now_ms: int, limit: int | None, newest_first: bool = False
    ) -> np.ndarray:
        first = max(-(-lo // tf) * tf, self.listing_ms - self.listing_ms % tf)
        last = min(hi, now_ms)
        last -= last % tf
        if first > last:
            return np.empty(0, dtype=np.int64)
        limit = (last - first) // tf + 1 if limit is None else limit
        return candles.select_slots(first, last, tf, self.gaps, limit, newest_first)

    def table(
        self, tf: int, lo: int, hi: int, now_ms: int, limit: int, newest_first: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows on the wire as arrays: timestamps (n,) and open, high, low, close, volume (n, 5).
        Served rows: the open candle partial, corrupt slots broken (see ``served``)."""
        if self.latest_only is not None:
            horizon = now_ms - now_ms % tf - (self.latest_only - 1) * tf
            lo, hi = max(lo, horizon), now_ms  # Kraken: no end bound, nothing older than the horizon
        ts = self.slot_array(tf, lo, hi, now_ms, limit, newest_first)
        values = candles.closed_candles(self.seed, self.base_price, self.decimals, tf, ts)
        if len(ts):
            edge = 0 if newest_first else len(ts) - 1
            if ts[edge] + tf > now_ms:  # the open candle: at most one, the newest
                values[edge] = self.candle(int(ts[edge]), tf, now_ms)[1:]
        if self.corrupt:
            ts = ts.copy()
            for i in np.flatnonzero(np.isin(ts, list(self.corrupt))):
                row = self._corrupted([int(ts[i]), *values[i].tolist()], self.corrupt[int(ts[i])], tf)
                ts[i], values[i] = row[0], row[1:]
        return ts, values

    def rows(self, tf: int, lo: int, hi: int, now_ms: int, limit: int, newest_first: bool = False) -> list:
        ts, values = self.table(tf, lo, hi, now_ms, limit, newest_first)
        return [[t, *v] for t, v in zip(ts.tolist(), values.tolist(), strict=True)]

    def ground_truth(self, tf: int, start: int, end: int, now_ms: int) -> list:
        """Exactly the valid closed candles the exchange has with ``start <= ts < end``
        (closed: ``ts + tf <= now_ms``)."""
        ts = self.slot_array(tf, start, min(end - 1, now_ms - tf), now_ms, None)
        if self.corrupt:
            ts = ts[~np.isin(ts, list(self.corrupt))]
        values = candles.closed_candles(self.seed, self.base_price, self.decimals, tf, ts)
        return [[t, *v] for t, v in zip(ts.tolist(), values.tolist(), strict=True)]
