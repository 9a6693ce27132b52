"""Vectorised candle arithmetic for ``SyntheticSeries``: numpy over many slots at once.

Bit-identical to the scalar formulas in series.py (a test compares them): the hash runs in uint64
arithmetic (wrapping like ``& MASK``), ``sin`` goes through ``math.sin`` (numpy's may differ by an
ulp on some CPUs), and ``round_exact`` matches Python's correctly rounded ``round(x, n)``.

Closed candles depend only on (seed, base_price, decimals, tf, ts), never on gaps, corrupt rows or
"now", so they are computed a block of ``BLOCK`` slots at a time and cached (``closed_block``).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

MASK = (1 << 64) - 1
DAY_MS = 86_400_000
BLOCK = 1440  # slots per cached block (a day of 1m candles)
CACHE_BLOCKS = 512  # ~30 MB: a year of 1m fits in about a third
K1, K2, K3 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB

_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()


def unit(seed: int, ts: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64-style hash of (seed, ts, salt) mapped to [0, 1), like ``series._unit``."""
    z = ts.astype(np.uint64) * np.uint64(K1) + np.uint64((seed * K2 + salt * K3) & MASK)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(K2)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(K3)
    return (z ^ (z >> np.uint64(31))).astype(np.float64) / 2.0**64


def _sin(x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(math.sin, x.tolist()), dtype=np.float64, count=len(x))


def round_exact(x: np.ndarray, digits: int) -> np.ndarray:
    """Python's ``round(x, digits)`` elementwise: numpy's scaled rint, with the rare near-tie
    values (where scaling may have moved them across .5) redone by Python itself."""
    scaled = x * 10.0**digits
    out = np.rint(scaled) / 10.0**digits
    frac = scaled - np.floor(scaled)
    near = np.abs(frac - 0.5) < 1e-6 + np.abs(scaled) * 1e-12
    near |= ~np.isfinite(x)
    for i in np.flatnonzero(near):
        out[i] = round(float(x[i]), digits)
    return out


def prices(seed: int, base_price: float, decimals: int, t: np.ndarray) -> np.ndarray:
    d = t / DAY_MS
    wave = 0.15 * _sin(d * 0.2094 + seed) + 0.04 * _sin(d * 8.17 + 2 * seed)
    wiggle = 0.003 * _sin(t / 3_600_000 * 7.1 + seed) + 0.0008 * (unit(seed, t, 1) - 0.5)
    return round_exact(base_price * (1 + wave + wiggle), decimals)


def candles(seed: int, base_price: float, decimals: int, tf: int, ts: np.ndarray) -> np.ndarray:
    """Closed candles at slots ``ts``: an (n, 5) float array of open, high, low, close, volume."""
    o = prices(seed, base_price, decimals, ts)
    c = prices(seed, base_price, decimals, ts + tf)
    u = unit(seed, ts, 2)
    u2, u3 = np.mod(u * 1024, 1.0), np.mod(u * 1_048_576, 1.0)
    hi = round_exact(np.maximum(o, c) * (1 + 0.002 * u), decimals)
    lo = round_exact(np.minimum(o, c) * (1 - 0.002 * u2), decimals)
    vol = round_exact((0.5 + 40 * u3) * math.sqrt(tf / 60_000), 4)
    return np.column_stack([o, hi, lo, c, vol])


def closed_block(seed: int, base_price: float, decimals: int, tf: int, block: int) -> np.ndarray:
    """Closed candles of slots ``block * BLOCK * tf + i * tf`` for i < BLOCK, cached (LRU)."""
    key = (seed, base_price, decimals, tf, block)
    values = _cache.get(key)
    if values is None:
        ts = np.arange(BLOCK, dtype=np.int64) * tf + block * BLOCK * tf
        values = _cache[key] = candles(seed, base_price, decimals, tf, ts)
        values.setflags(write=False)
        if len(_cache) > CACHE_BLOCKS:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return values


def closed_candles(seed: int, base_price: float, decimals: int, tf: int, ts: np.ndarray) -> np.ndarray:
    """Closed candles at sorted (either direction) aligned slots ``ts``, from the block cache."""
    out = np.empty((len(ts), 5), dtype=np.float64)
    if not len(ts):
        return out
    index = ts // tf
    blocks = index // BLOCK
    # runs of one block (ts is monotonic, so each block is one run)
    edges = np.flatnonzero(np.diff(blocks)) + 1
    for lo, hi in zip(np.concatenate([[0], edges]), np.concatenate([edges, [len(ts)]]), strict=True):
        block = int(blocks[lo])
        out[lo:hi] = closed_block(seed, base_price, decimals, tf, block)[index[lo:hi] - block * BLOCK]
    return out


def select_slots(
    first: int, last: int, tf: int, gaps: list[tuple[int, int]], limit: int, newest_first: bool
) -> np.ndarray:
    """Up to ``limit`` aligned slots in ``[first, last]`` not inside a gap, nearest ``first`` (or
    ``last`` when ``newest_first``) first. A slot is in a gap when its whole span is."""

    def gap_of(ts: int) -> tuple[int, int] | None:
        return next(((g0, g1) for g0, g1 in gaps if g0 <= ts and ts + tf <= g1), None)

    parts: list[np.ndarray] = []
    found = 0
    cur = last if newest_first else first
    while found < limit and first <= cur <= last:
        gap = gap_of(cur)
        if gap is not None:  # jump over the whole gap
            if newest_first:
                cur = min(cur - tf, (gap[0] - 1) // tf * tf)
            else:
                cur = max(cur + tf, -(-(gap[1] - tf + 1) // tf) * tf)
            continue
        step = -tf if newest_first else tf
        n = limit - found
        stop = max(first, cur - (n - 1) * tf) if newest_first else min(last, cur + (n - 1) * tf)
        ts = np.arange(cur, stop + step, step, dtype=np.int64)
        for g0, g1 in gaps:
            ts = ts[~((g0 <= ts) & (ts + tf <= g1))]
        parts.append(ts)
        found += len(ts)
        cur = stop + step
    out = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    return out[:limit]
