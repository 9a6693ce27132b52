"""cb-trade data service: complete, exact historical OHLCV candles for quant research.

Everything with logic lives in this package; ``function_app.py`` only wires it to Azure Functions.
"""

__version__ = "0.1.0"
