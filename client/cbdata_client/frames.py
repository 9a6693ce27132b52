"""Candles -> a pandas DataFrame (pandas, numpy and pyarrow are the optional ``pandas`` extra, imported
only here).

Rows from Web PubSub become one float64 numpy array in one C call and are split into columns there,
without a Python loop per row (timestamps up to year 2200 are exact in float64). A Parquet answer
is read by pyarrow straight into the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
INSTALL_HINT = "pip install 'cbdata-client[pandas]' (pandas and pyarrow)"


def require_pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(f"a DataFrame needs pandas, which is not installed: {INSTALL_HINT}") from exc
    return pd


def to_dataframe(rows: Sequence[Sequence[Any]]) -> Any:
    """A DataFrame indexed by a UTC ``DatetimeIndex`` named ``timestamp`` (the candles' open times),
    with float64 columns open, high, low, close, volume, in the rows' order."""
    require_pandas()
    import numpy as np

    return array_to_dataframe(np.asarray(rows, dtype=np.float64).reshape(len(rows), 1 + len(PRICE_COLUMNS)))


def array_to_dataframe(values: Any) -> Any:
    """``to_dataframe`` from an (n, 6) float64 array (``HistoricalAssembly.array()``)."""
    pd = require_pandas()
    stamps = pd.DatetimeIndex(values[:, 0].astype("int64").astype("datetime64[ms]"), name="timestamp")
    frame = pd.DataFrame(values[:, 1:], index=stamps.tz_localize("UTC"), columns=list(PRICE_COLUMNS))
    return frame


def parquet_to_dataframe(data: bytes) -> Any:
    """The service's Parquet answer (``timestamp`` as timestamp(ms, UTC), then the price columns) as
    the same DataFrame as ``to_dataframe``."""
    require_pandas()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError(f"reading Parquet needs pyarrow: {INSTALL_HINT}") from exc
    return table_to_dataframe(pq.ParquetFile(pa.BufferReader(data)).read())


def table_to_dataframe(table: Any) -> Any:
    """A ``pyarrow.Table`` of the service's schema (a Parquet answer, or Arrow chunks joined) as the
    same DataFrame as ``to_dataframe``: columns straight from Arrow buffers, no Python rows."""
    pd = require_pandas()
    frame = table.to_pandas()
    index = pd.DatetimeIndex(frame.pop("timestamp"), name="timestamp")
    frame.index = index
    return frame[list(PRICE_COLUMNS)].astype("float64")


def parquet_support() -> bool:
    """Whether pyarrow is importable (the Parquet path of ``historical_df``)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None
