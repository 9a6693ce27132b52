"""The Functions path reads the raw query string: the host's params mapping has lost a repeat."""

from __future__ import annotations

import json

import azure.functions as func

import function_app


async def test_the_function_reads_the_raw_query_string(app_services):
    # what the host hands over: params keep one value, the URL keeps both
    url = "https://app.azurewebsites.net/api/ohlcv?exchange=binance&symbol=BTC/USDT&symbol=../../x"
    request = func.HttpRequest(
        method="GET",
        url=url + "&timeframe=1m&start=2025-12-01&end=2025-12-02",
        params={"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m", "start": "2025-12-01"},
        body=b"",
    )
    response = await function_app.ohlcv(request)
    error = json.loads(response.get_body())["error"]
    assert (
        response.status_code == 400 and error["code"] == "INVALID_REQUEST" and "'symbol'" in error["message"]
    )
