"""serve_historical against the exchange emulator, on local files and on Azurite."""

from __future__ import annotations

import pytest

from shared.api.requests import HistoricalRequest
from shared.errors import DataServiceError
from shared.webpubsub import messages
from shared.webpubsub.chunks import rows_per_chunk
from shared.webpubsub.historical import serve_historical
from tests.emulator.fixtures import LISTING_MS
from tests.fetch.helpers import BTC, MIN, NOW_SLOT, fetch_rows

SMALL = 20_000  # bytes per message: ~210 rows per chunk, so a few thousand candles make many chunks


def request(start: int, end: int, **changes) -> HistoricalRequest:
    fields = {
        "request_id": "req-1",
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": start,
        "end": end,
    }
    return HistoricalRequest(**{**fields, **changes})


def reassemble(msgs: list[dict]) -> list[list]:
    """What a client does: keep one chunk per seq (dropping repeats), concatenate in seq order."""
    by_seq = {m["seq"]: m["data"] for m in msgs if m["type"] == "historical_data_chunk"}
    return [row for seq in sorted(by_seq) for row in by_seq[seq]]


async def test_a_gap_fill_streams_progress_chunks_and_complete(services, outbox, exchange_emulator):
    start, end = NOW_SLOT - 3_500 * MIN, NOW_SLOT + 30 * MIN  # the end is clipped to the last closed candle
    done = await serve_historical(
        services, request(start, end), outbox.send, max_message_bytes=SMALL, progress_interval_s=0
    )
    msgs = outbox.messages
    kinds = [m["type"] for m in msgs]
    assert kinds[0] == "historical_data_progress" and kinds[-1] == "historical_data_complete"
    progress = outbox.of_type("historical_data_progress")
    assert progress[0] == messages.progress("req-1", 0, 3_500)
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress) and len(progress) > 1
    chunks = outbox.of_type("historical_data_chunk")
    assert [c["seq"] for c in chunks] == list(range(len(chunks)))
    assert {c["request_id"] for c in chunks} == {"req-1"}
    per_chunk = rows_per_chunk(SMALL)
    assert [len(c["data"]) for c in chunks[:-1]] == [per_chunk] * (len(chunks) - 1)
    assert all(len(raw) < SMALL for raw in outbox.raw)

    truth = exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, NOW_SLOT)
    assert reassemble(msgs) == truth
    assert reassemble(msgs) == await fetch_rows(services.candles, BTC, start, end)
    assert (
        done
        == msgs[-1]
        == {
            "type": "historical_data_complete",
            "request_id": "req-1",
            "exchange": "binance",
            "symbol": "BTC/USDT",
            "timeframe": "1m",
            "start": start,
            "end": NOW_SLOT,
            "count": len(truth),
            "chunks": len(chunks),
        }
    )


async def test_arrow_chunks_give_the_same_candles_and_a_retry_the_same_bytes(
    services, outbox, exchange_emulator
):
    from cbdata_client.arrow_chunks import decode_chunk, table_rows

    start, end = NOW_SLOT - 3_000 * MIN, NOW_SLOT - 5 * MIN
    await fetch_rows(services.candles, BTC, start + 500 * MIN, start + 900 * MIN)  # part stored
    sent = []
    for _ in range(2):  # the gap fill, then the same range again, all stored (a queue retry)
        outbox.raw.clear()
        await serve_historical(services, request(start, end), outbox.send, max_message_bytes=SMALL,
                               encoding="arrow")  # fmt: skip
        sent.append([m for m in outbox.raw if m.startswith(b'{"type":"historical_data_chunk"')])
    assert len(sent[0]) > 1 and sent[1] == sent[0]
    chunks = outbox.of_type("historical_data_chunk")
    assert [c["seq"] for c in chunks] == list(range(len(chunks)))
    rows = [row for c in chunks for row in table_rows(decode_chunk(c["data"], c["count"]))]
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)
    assert all(len(raw) < SMALL for raw in outbox.raw)


async def test_a_retry_sends_the_same_seq_numbers_and_bytes(services, outbox, exchange_emulator):
    start, end = NOW_SLOT - 2_000 * MIN, NOW_SLOT - 10 * MIN
    req = request(start, end)
    await services.candles.open(BTC, start, start + 700 * MIN)  # part stored, part missing
    await fetch_rows(services.candles, BTC, start + 100 * MIN, start + 700 * MIN)
    await serve_historical(services, req, outbox.send, max_message_bytes=SMALL)
    first = [
        raw
        for raw, m in zip(outbox.raw, outbox.messages, strict=True)
        if m["type"] != "historical_data_progress"
    ]
    outbox.raw.clear()
    exchange_emulator.reset_counts()
    await serve_historical(services, req, outbox.send, max_message_bytes=SMALL)  # all from storage now
    assert exchange_emulator.request_count() == 0
    assert outbox.raw == first
    # a client that got both runs reassembles exactly the data once
    doubled = [*outbox.messages, *outbox.messages]
    assert reassemble(doubled) == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", start, end)


async def test_an_empty_range_completes_with_no_chunks(services, outbox):
    done = await serve_historical(services, request(NOW_SLOT, NOW_SLOT + 60 * MIN), outbox.send)
    assert outbox.messages == [done]
    assert (done["start"], done["end"], done["count"], done["chunks"]) == (NOW_SLOT, NOW_SLOT, 0, 0)


async def test_the_default_exchange_serves_requests_without_one(services, outbox, exchange_emulator):
    start = NOW_SLOT - 50 * MIN
    done = await serve_historical(services, request(start, NOW_SLOT, exchange=None), outbox.send)
    assert done["exchange"] == "binance" and done["count"] == 50


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"exchange": "kraken"}, "UNKNOWN_EXCHANGE"),
        ({"symbol": "DOGE/USDT"}, "COIN_NOT_AVAILABLE"),
        ({"timeframe": "7m"}, "UNSUPPORTED_TIMEFRAME"),
        ({"start": NOW_SLOT - 300_000 * MIN}, "RANGE_TOO_LARGE"),
        ({"start": LISTING_MS - 3_000 * MIN, "end": LISTING_MS - 1_000 * MIN}, "HISTORY_NOT_AVAILABLE"),
    ],
)
async def test_failures_raise_coded_errors_and_send_nothing_for_them(services, outbox, changes, code):
    with pytest.raises(DataServiceError) as err:
        fields = {"start": NOW_SLOT - 100 * MIN, "end": NOW_SLOT, **changes}
        await serve_historical(services, request(**fields), outbox.send)
    assert err.value.code == code
    assert messages.error("req-1", err.value)["code"] == code
    assert not outbox.of_type("historical_data_chunk") and not outbox.of_type("historical_data_complete")


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"kind": "rate_limit", "count": 1_000}, "EXCHANGE_RATE_LIMITED"),
        ({"kind": "status", "status": 503, "count": 1_000}, "EXCHANGE_ERROR"),
    ],
)
async def test_exchange_failures_mid_stream(services, outbox, exchange_emulator, fault, code):
    exchange_emulator.inject("binance", **fault)
    with pytest.raises(DataServiceError) as err:
        await serve_historical(services, request(NOW_SLOT - 100 * MIN, NOW_SLOT), outbox.send)
    assert err.value.code == code
    assert not outbox.of_type("historical_data_complete")
