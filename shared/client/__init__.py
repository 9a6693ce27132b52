"""A Python client for the service: candles as rows or a pandas DataFrame (see docs/client.md).

from shared.client import CandleClient
client = CandleClient("http://127.0.0.1:7071", function_key)
df = client.historical_df("binance", "BTC/USDT", "1m", "2024-01-01", "2024-02-01")
"""

from shared.client.assembly import HistoricalAssembly, assemble, message_of
from shared.client.candle_client import CandleClient
from shared.client.errors import ServiceError, ServiceTimeoutError
from shared.client.frames import to_dataframe

__all__ = [
    "CandleClient",
    "HistoricalAssembly",
    "ServiceError",
    "ServiceTimeoutError",
    "assemble",
    "message_of",
    "to_dataframe",
]
