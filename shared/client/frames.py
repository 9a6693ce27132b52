"""Candle rows -> a pandas DataFrame (pandas is an optional extra, imported only here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
INSTALL_HINT = "pip install 'cb-trade-data-service[pandas]' (or pip install pandas)"


def to_dataframe(rows: Sequence[Sequence[Any]]) -> Any:
    """A DataFrame indexed by a UTC ``DatetimeIndex`` named ``timestamp`` (the candles' open times),
    with float64 columns open, high, low, close, volume, in the rows' order."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(f"a DataFrame needs pandas, which is not installed: {INSTALL_HINT}") from exc
    stamps = pd.to_datetime(pd.Series([row[0] for row in rows], dtype="int64"), unit="ms", utc=True)
    columns = {name: [row[i + 1] for row in rows] for i, name in enumerate(PRICE_COLUMNS)}
    return pd.DataFrame(columns, index=pd.DatetimeIndex(stamps, name="timestamp"), dtype="float64")
