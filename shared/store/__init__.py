"""The candle store: OHLCV series as time-partitioned Parquet objects with their coverage."""

from shared.store.candle_store import CandleStore, SeriesInfo, WriteResult

__all__ = ["CandleStore", "SeriesInfo", "WriteResult"]
