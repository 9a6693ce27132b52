"""Candle rows as a DataFrame; HTTP error bodies as ServiceError."""

from __future__ import annotations

import builtins

import pytest

from cbdata_client import ServiceError, to_dataframe
from cbdata_client.http import error_from

pd = pytest.importorskip("pandas")


def test_rows_become_a_utc_indexed_float_frame():
    rows = [
        [1_704_067_200_000, 42283.58, 42298.62, 42261.02, 42298.61, 35.92724],
        [1_704_067_260_000, 42298, 42320, 42298.61, 42320.0, 0],
    ]  # ints too: JSON numbers
    df = to_dataframe(rows)
    assert list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert all(str(t) == "float64" for t in df.dtypes)
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "timestamp"
    assert str(df.index.tz) == "UTC"
    assert list(df.index) == [pd.Timestamp("2024-01-01T00:00:00Z"), pd.Timestamp("2024-01-01T00:01:00Z")]
    assert df.iloc[0].tolist() == [42283.58, 42298.62, 42261.02, 42298.61, 35.92724]
    assert df.iloc[1].tolist() == [42298.0, 42320.0, 42298.61, 42320.0, 0.0]
    back = [
        [int(ts.timestamp() * 1000), *values]
        for ts, values in zip(df.index, df.to_numpy().tolist(), strict=True)
    ]
    assert back == [[r[0], *map(float, r[1:])] for r in rows]


def test_no_rows_give_an_empty_frame_of_the_same_shape():
    df = to_dataframe([])
    assert df.empty and list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert str(df.index.tz) == "UTC" and df.index.name == "timestamp"


def test_without_pandas_the_error_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match=r"pip install 'cbdata-client\[pandas\]'"):
        to_dataframe([])


def test_http_error_bodies_keep_the_service_code():
    err = error_from(
        404, b'{"error": {"code": "COIN_NOT_AVAILABLE", "message": "not listed"}}', "/api/ohlcv/latest"
    )
    assert isinstance(err, ServiceError) and err.code == "COIN_NOT_AVAILABLE" and err.http_status == 404
    err = error_from(401, b"", "/api/negotiate")
    assert err.code == "HTTP_401" and "function key" in err.message


def test_historical_df_falls_back_to_web_pubsub_only_for_a_long_fill(monkeypatch):
    """auto: Parquet over HTTP first; RANGE_TOO_LARGE (a fill longer than HTTP answers) -> Web PubSub."""
    from cbdata_client import CandleClient, candle_client

    client = CandleClient("http://127.0.0.1:9", "key")
    rows = [[1_704_067_200_000, 1.0, 2.0, 0.5, 1.5, 3.0]]
    calls = []

    def too_large(*args):
        calls.append("http")
        raise ServiceError("RANGE_TOO_LARGE", "not all stored yet", http_status=413)

    def streamed(request, assembly, negotiate, timeout):  # the Web PubSub conversation, answered at once
        calls.append("webpubsub")
        assert request["encoding"] == "arrow"  # pyarrow is installed here: the compact chunks
        rid = request["request_id"]
        assembly.feed({"type": "historical_data_chunk", "request_id": rid, "seq": 0, "data": rows})
        assembly.feed({"type": "historical_data_complete", "request_id": rid, "count": 1, "chunks": 1})

    monkeypatch.setattr(client, "parquet", too_large)
    monkeypatch.setattr(candle_client, "converse", streamed)
    frame = client.historical_df("binance", "BTC/USDT", "1m", 0, 1)
    assert calls == ["http", "webpubsub"] and frame["close"].tolist() == [1.5]
    with pytest.raises(ServiceError, match="RANGE_TOO_LARGE"):
        client.historical_df("binance", "BTC/USDT", "1m", 0, 1, transport="http")

    def refused(*args):
        raise ServiceError("COIN_NOT_AVAILABLE", "not listed", http_status=404)

    monkeypatch.setattr(client, "parquet", refused)
    calls.clear()
    with pytest.raises(ServiceError, match="COIN_NOT_AVAILABLE"):  # other errors are not retried elsewhere
        client.historical_df("binance", "BTC/USDT", "1m", 0, 1)
    assert calls == []
