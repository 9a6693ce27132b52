"""A Python client for the cb-trade data service: candles as rows or a pandas DataFrame (docs/client.md).

from cbdata_client import CandleClient
client = CandleClient("https://<app>.azurewebsites.net", function_key)  # or http://127.0.0.1:7071
df = client.historical_df("binance", "BTC/USDT", "1m", "2024-01-01", "2024-02-01")
"""

from cbdata_client.assembly import HistoricalAssembly, assemble, message_of
from cbdata_client.candle_client import CandleClient
from cbdata_client.errors import ServiceError, ServiceTimeoutError
from cbdata_client.frames import parquet_to_dataframe, to_dataframe

__all__ = [
    "CandleClient",
    "HistoricalAssembly",
    "ServiceError",
    "ServiceTimeoutError",
    "assemble",
    "message_of",
    "parquet_to_dataframe",
    "to_dataframe",
]
