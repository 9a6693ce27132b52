"""Realistic synthetic 1-minute candles for benchmarks.

Shaped like a real exchange's BTC/USDT: prices with 2 decimals around 30,000-60,000 moving about
2.7 % a day (a geometric random walk), open equal to the previous close, volumes with 8 decimals.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shared.store.parquet_codec import SCHEMA

YEAR_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
MINUTE_MS = 60_000


def candles_1m(n: int = 525_600, start_ms: int = YEAR_START_MS, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    sigma = 0.027 / np.sqrt(1440)  # daily move 2.7 % -> per-minute volatility
    close = np.clip(np.round(45_000 * np.exp(np.cumsum(rng.normal(0, sigma, n))), 2), 30_000, 60_000)
    open_ = np.concatenate([[45_000.0], close[:-1]])
    high = np.round(np.maximum(open_, close) + np.abs(rng.normal(0, sigma * 0.6, n)) * close, 2)
    low = np.round(np.minimum(open_, close) - np.abs(rng.normal(0, sigma * 0.6, n)) * close, 2)
    volume = np.round(rng.lognormal(1.0, 1.0, n), 8)
    ts = start_ms + np.arange(n, dtype=np.int64) * MINUTE_MS
    return pa.Table.from_arrays(
        [pa.array(ts), pa.array(open_), pa.array(high), pa.array(low), pa.array(close), pa.array(volume)],
        schema=SCHEMA,
    )
