"""The whole Web PubSub path on both storage backends: a real trigger payload through
handle_user_event, the queued job through run_job, messages through the real service SDK to the fake
Web PubSub service, candles from the exchange emulator."""

from __future__ import annotations

import math

import pytest

from shared.errors import ExchangeUnavailableError
from shared.webpubsub.events import handle_user_event
from shared.webpubsub.jobs import parse_job
from shared.webpubsub.sender import SendError
from shared.webpubsub.worker import run_job
from tests.webpubsub.helpers import MIN, NOW_SLOT, historical, reassemble, reply_message
from tests.webpubsub.payloads import user_event

CONN = "conn-1"
SMALL = 20_000  # bytes per message: ~200 rows per chunk, so a 2,000-candle request has ~10 chunks
# Tests that count sends (``fail_next(after=N)``) need a fixed number of progress messages: with an
# infinite interval only the first progress report is sent, however slow the machine is.
ONCE = math.inf  # progress_interval_s for those tests


async def submit(services, limiter, body: dict, connection_id: str = CONN) -> str:
    outcome = await handle_user_event(services, user_event(body, connection_id=connection_id), limiter)
    assert reply_message(outcome)["type"] == "historical_data_progress", outcome.reply
    assert outcome.job is not None
    return outcome.job


def received(fake, connection_id: str = CONN) -> list[dict]:
    sent = fake.messages(connection_id)
    assert all(m.content_type == "application/json" for m in sent)
    return [m.json() for m in sent]


async def test_historical_request_end_to_end(
    services, limiter, webpubsub_fake, webpubsub_sender, exchange_emulator
):
    body = historical()
    job = await submit(services, limiter, body)
    await run_job(services, job, 1, webpubsub_sender, limiter, max_message_bytes=SMALL)

    messages = received(webpubsub_fake)
    assert all(isinstance(m, dict) for m in messages)  # one JSON object per message, never a string
    assert messages[0]["type"] == "historical_data_progress"
    assert messages[-1]["type"] == "historical_data_complete"
    rows, done = reassemble(messages)
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", body["start"], body["end"])
    assert len(rows) == 2_000 and done["chunks"] >= 5
    assert (done["request_id"], done["start"], done["end"]) == ("r-1", body["start"], body["end"])
    assert max(len(m.body) for m in webpubsub_fake.messages(CONN)) < SMALL
    assert await limiter.active(CONN) == []


async def test_default_message_size_stays_under_one_megabyte(
    services, limiter, webpubsub_fake, webpubsub_sender
):
    body = historical(start=NOW_SLOT - 3 * 1440 * MIN, end=NOW_SLOT)  # 4,320 candles, fetched
    await run_job(services, await submit(services, limiter, body), 1, webpubsub_sender, limiter)
    rows, done = reassemble(received(webpubsub_fake))
    assert len(rows) == done["count"] == 3 * 1440
    assert max(len(m.body) for m in webpubsub_fake.messages(CONN)) < 1_000_000


async def test_a_transient_send_failure_is_retried_with_the_same_seq_numbers(
    services, limiter, webpubsub_fake, webpubsub_sender, exchange_emulator
):
    body = historical()
    job = await submit(services, limiter, body)
    webpubsub_fake.fail_next(1, status=500, after=4)  # progress + 3 chunks arrive, then a send fails
    with pytest.raises(SendError):
        await run_job(
            services, job, 1, webpubsub_sender, limiter, max_message_bytes=SMALL, progress_interval_s=ONCE
        )
    first = webpubsub_fake.messages(CONN)
    assert await limiter.active(CONN) == [parse_job(job).job_id]  # the retry still holds the slot

    await run_job(
        services, job, 2, webpubsub_sender, limiter, max_message_bytes=SMALL, progress_interval_s=ONCE
    )
    messages = received(webpubsub_fake)
    chunks = [m for m in webpubsub_fake.messages(CONN) if m.json()["type"] == "historical_data_chunk"]
    seqs = [m.json()["seq"] for m in chunks]
    assert seqs[:3] == [0, 1, 2] and seqs[3:6] == [0, 1, 2]  # the retry starts again at seq 0
    assert [m.body for m in chunks[:3]] == [m.body for m in chunks[3:6]]  # repeats are identical
    assert len(first) == 4
    rows, _ = reassemble(messages)
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", body["start"], body["end"])
    assert await limiter.active(CONN) == []


async def test_exchange_outage_retries_then_errors_on_the_last_attempt(
    services, limiter, webpubsub_fake, webpubsub_sender, exchange_emulator
):
    exchange_emulator.inject("binance", "status", count=1_000, status=503)
    job = await submit(services, limiter, historical())
    for attempt in (1, 2):
        with pytest.raises(ExchangeUnavailableError):
            await run_job(services, job, attempt, webpubsub_sender, limiter, max_dequeue=3)
        assert await limiter.active(CONN) == [parse_job(job).job_id]
    await run_job(services, job, 3, webpubsub_sender, limiter, max_dequeue=3)
    last = received(webpubsub_fake)[-1]
    assert last["type"] == "error_response"
    assert (last["request_id"], last["code"]) == ("r-1", "EXCHANGE_ERROR")
    assert not [m for m in received(webpubsub_fake) if m["type"] == "historical_data_chunk"]
    assert await limiter.active(CONN) == []


async def test_last_attempt_whose_error_cannot_be_sent_goes_to_the_poison_queue(
    services, limiter, webpubsub_fake, webpubsub_sender
):
    job = await submit(services, limiter, historical())
    webpubsub_fake.fail_next(100, status=503)
    with pytest.raises(SendError):
        await run_job(services, job, 5, webpubsub_sender, limiter)
    assert webpubsub_fake.sent == []
    assert await limiter.active(CONN) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [({"symbol": "DOGE/USDT"}, "COIN_NOT_AVAILABLE"), ({"timeframe": "7m"}, "UNSUPPORTED_TIMEFRAME")],
)
async def test_permanent_errors_are_sent_once_without_retry(
    services, limiter, webpubsub_fake, webpubsub_sender, fields, code
):
    job = await submit(services, limiter, historical(**fields))
    await run_job(services, job, 1, webpubsub_sender, limiter)
    [message] = received(webpubsub_fake)
    assert message == {
        "type": "error_response",
        "request_id": "r-1",
        "code": code,
        "message": message["message"],
    }
    assert await limiter.active(CONN) == []


async def test_a_gone_connection_stops_the_job_quietly(services, limiter, webpubsub_fake, webpubsub_sender):
    job = await submit(services, limiter, historical())
    webpubsub_fake.close_connection(CONN)
    await run_job(services, job, 1, webpubsub_sender, limiter, max_message_bytes=SMALL)
    assert webpubsub_fake.sent == []
    assert [status for status, _ in webpubsub_fake.rejected] == [404]  # stopped at the first message
    assert await limiter.active(CONN) == []


async def test_a_connection_gone_mid_stream_stops_without_an_error_message(
    services, limiter, webpubsub_fake, webpubsub_sender
):
    job = await submit(services, limiter, historical())
    webpubsub_fake.fail_next(1, status=404, after=3)
    await run_job(
        services, job, 1, webpubsub_sender, limiter, max_message_bytes=SMALL, progress_interval_s=ONCE
    )
    assert [m["type"] for m in received(webpubsub_fake)] == ["historical_data_progress"] + [
        "historical_data_chunk"
    ] * 2
    assert await limiter.active(CONN) == []


@pytest.mark.parametrize("message", ["", "{}", "not json", '{"job_id": "../x"}', "x" * 100_000])
async def test_a_message_that_is_not_a_job_is_dropped(
    services, limiter, webpubsub_fake, webpubsub_sender, message
):
    await run_job(services, message, 1, webpubsub_sender, limiter)
    assert webpubsub_fake.sent == [] and webpubsub_fake.rejected == []


async def test_a_job_is_sent_to_the_hub_its_client_is_connected_to(
    services, limiter, webpubsub_fake, webpubsub_sender, exchange_emulator
):
    outcome = await handle_user_event(services, user_event(historical(), hub="otherhub"), limiter)
    assert outcome.job is not None and parse_job(outcome.job).hub == "otherhub"
    await run_job(services, outcome.job, 1, webpubsub_sender, limiter)
    assert {m.hub for m in webpubsub_fake.messages(CONN)} == {"otherhub"}  # not the sender's own hub


async def test_without_web_pubsub_a_request_is_refused_and_a_queued_job_dropped(services, limiter):
    from dataclasses import replace

    bare = replace(services, sender=None)
    bare.sender = None
    outcome = await handle_user_event(bare, user_event(historical()), limiter)
    assert reply_message(outcome)["type"] == "error_response" and outcome.job is None
    job = await submit(services, limiter, historical())
    await run_job(bare, job, 1, None, limiter)  # nothing to send with: dropped, slot released
    assert await limiter.active(CONN) == []


async def test_a_corrupt_partition_fails_the_job_once_without_retry(
    services, limiter, webpubsub_fake, webpubsub_sender, exchange_emulator
):
    from shared.store import layout
    from tests.fetch.helpers import BTC

    request = historical()
    first = await submit(services, limiter, request)
    await run_job(services, first, 1, webpubsub_sender, limiter)
    [key] = [i.key for i in await services.backend.list(layout.series_prefix(BTC))]
    stored = await services.backend.read(key)
    footer = int.from_bytes(stored.data[-8:-4], "little") + 8
    garbled = stored.data[:4] + bytes(len(stored.data) - footer - 4) + stored.data[-footer:]
    await services.backend.write(key, garbled)
    webpubsub_fake.sent.clear()

    job = await submit(services, limiter, request)
    await run_job(services, job, 1, webpubsub_sender, limiter)  # attempt 1 of 5: does not raise
    last = received(webpubsub_fake)[-1]
    assert (last["type"], last["code"]) == ("error_response", "STORAGE_ERROR")
    assert await services.store.quarantine.count() == 1
    assert await limiter.active(CONN) == []

    webpubsub_fake.sent.clear()
    again = await submit(services, limiter, request)
    await run_job(services, again, 1, webpubsub_sender, limiter)  # refetched: complete
    assert received(webpubsub_fake)[-1]["type"] == "historical_data_complete"


async def test_arrow_chunks_end_to_end_give_the_ground_truth(
    services, limiter, webpubsub_fake, webpubsub_sender, exchange_emulator
):
    """``"encoding": "arrow"`` through the queued job: every chunk is one base64 Arrow stream, the
    decoded rows are the exchange's candles, and the chunks are larger than JSON ones."""
    from cbdata_client.arrow_chunks import decode_chunk, table_rows
    from shared.webpubsub.arrow_chunks import arrow_rows_per_chunk
    from shared.webpubsub.chunks import rows_per_chunk

    body = historical(encoding="arrow")
    job = await submit(services, limiter, body)
    assert parse_job(job).request.encoding == "arrow"
    await run_job(services, job, 1, webpubsub_sender, limiter, max_message_bytes=SMALL)

    messages = received(webpubsub_fake)
    chunks = [m for m in messages if m["type"] == "historical_data_chunk"]
    assert chunks and all(c["encoding"] == "arrow" and isinstance(c["data"], str) for c in chunks)
    rows = [row for c in chunks for row in table_rows(decode_chunk(c["data"], c["count"]))]
    assert rows == exchange_emulator.ground_truth("binance", "BTC/USDT", "1m", body["start"], body["end"])
    done = messages[-1]
    assert done["type"] == "historical_data_complete"
    assert (done["count"], done["chunks"]) == (2_000, len(chunks))
    assert len(chunks) == math.ceil(2_000 / arrow_rows_per_chunk(SMALL)) < 2_000 / rows_per_chunk(SMALL)
    assert max(len(m.body) for m in webpubsub_fake.messages(CONN)) < SMALL
