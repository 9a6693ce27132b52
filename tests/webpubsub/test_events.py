"""handle_user_event with real trigger payloads, on both storage backends and the exchange emulator."""

from __future__ import annotations

import json

import pytest

from shared.errors import StorageError
from shared.series import SeriesKey
from shared.webpubsub.events import handle_user_event
from shared.webpubsub.jobs import parse_job
from shared.webpubsub.limits import ConnectionLimiter
from tests.webpubsub.helpers import MIN, NOW_SLOT, error_reply, historical, reply_message
from tests.webpubsub.payloads import user_event


async def test_historical_request_is_acknowledged_and_queued(services, limiter) -> None:
    body = historical(start="2025-12-30T00:00:00Z", exchange=...)  # default exchange, ISO start
    outcome = await handle_user_event(services, user_event(body, connection_id="conn-9"), limiter)
    ack = reply_message(outcome)
    start = 1_767_052_800_000
    assert ack == {
        "type": "historical_data_progress",
        "request_id": "r-1",
        "done": 0,
        "total": (body["end"] - start) // MIN,
    }
    job = parse_job(outcome.job)
    assert (job.connection_id, job.hub) == ("conn-9", "marketdata")
    assert job.request.model_dump() == {**body, "exchange": None, "start": start, "encoding": "json"}
    assert await limiter.active("conn-9") == [job.job_id]
    assert len(outcome.job.encode()) < 2_048


async def test_current_timestamp_is_answered_directly(services, limiter) -> None:
    event = user_event(
        {"request_id": "t", "symbol": "BTC/USDT", "timeframe": "1m"}, event_name="request_current_timestamp"
    )
    empty = reply_message(await handle_user_event(services, event, limiter))
    assert empty == {
        "type": "current_timestamp_response",
        "request_id": "t",
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "timestamp": None,
    }
    stream = await services.candles.open(
        SeriesKey("binance", "BTC/USDT", "1m"), NOW_SLOT - 10 * MIN, NOW_SLOT
    )
    async for _ in stream.batches():
        pass
    outcome = await handle_user_event(services, event, limiter)
    assert outcome.job is None
    assert reply_message(outcome)["timestamp"] == NOW_SLOT - MIN


BAD_REQUESTS = [
    # (event name, data, data type, expected code, expected request id)
    ("request_historical", "{not json", "Json", "INVALID_REQUEST", None),
    ("request_historical", "[1, 2]", "Json", "INVALID_REQUEST", None),
    ("request_historical", historical(start=True), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(symbol=["BTC"]), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(colour="red"), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(encoding="parquet"), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(encoding=None), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(start=10**20), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(start="yesterday"), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(end=NOW_SLOT - 3_000 * MIN), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(symbol="../../etc/passwd"), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(symbol="BTC\\USDT"), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(symbol=...), "Json", "INVALID_REQUEST", "r-1"),
    ("request_historical", historical(request_id=7), "Json", "INVALID_REQUEST", None),
    ("request_historical", historical(exchange="kraken"), "Json", "UNKNOWN_EXCHANGE", "r-1"),
    ("request_historical", historical(exchange="../bin"), "Json", "UNKNOWN_EXCHANGE", "r-1"),
    ("request_historical", historical(timeframe="1y"), "Json", "UNSUPPORTED_TIMEFRAME", "r-1"),
    ("request_historical", historical(start=NOW_SLOT - 300_000 * MIN), "Json", "RANGE_TOO_LARGE", "r-1"),
    ("request_historical", historical(), "Binary", "INVALID_REQUEST", "r-1"),
    ("request_current_timestamp", {"symbol": "BTC/USDT"}, "Json", "INVALID_REQUEST", None),
    (
        "request_current_timestamp",
        {"symbol": "BTC/USDT", "timeframe": "1m", "exchange": "okx2"},
        "Json",
        "UNKNOWN_EXCHANGE",
        None,
    ),
    ("request_everything", historical(), "Json", "INVALID_REQUEST", "r-1"),
]


@pytest.mark.parametrize(("event_name", "data", "data_type", "code", "request_id"), BAD_REQUESTS)
async def test_every_bad_input_class_gets_an_error_response(
    services, limiter, event_name, data, data_type, code, request_id
) -> None:
    raw = user_event(data, event_name=event_name, data_type=data_type)
    message = error_reply(await handle_user_event(services, raw, limiter))
    assert (message["code"], message["request_id"]) == (code, request_id)
    assert await services.backend.list("webpubsub/") == []


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[]",
        json.dumps({"connectionContext": "x"}),
        user_event({}).replace('"User"', '"System"'),
        user_event({}, connection_id="../../ohlcv"),
        user_event(historical(), connection_id=".."),
        user_event(historical(), data_type="Protobuf"),
    ],
)
async def test_malformed_trigger_payloads_get_an_error_response(services, limiter, raw) -> None:
    outcome = await handle_user_event(services, raw, limiter)
    message = error_reply(outcome)
    assert message["code"] == "INVALID_REQUEST"
    assert await services.backend.list("webpubsub/") == []


async def test_a_10_mb_message_gets_an_error_response(services, limiter) -> None:
    data = json.dumps(historical(request_id="big", padding="x" * 10_485_760))
    message = error_reply(await handle_user_event(services, user_event(data), limiter))
    assert message["code"] == "INVALID_REQUEST" and "larger than" in message["message"]


async def test_the_per_connection_limit_is_enforced_and_released(services, limiter) -> None:
    raw = user_event(historical(), connection_id="conn-1")
    jobs = [parse_job((await handle_user_event(services, raw, limiter)).job) for _ in range(2)]
    refused = error_reply(await handle_user_event(services, raw, limiter))
    assert refused["code"] == "INVALID_REQUEST" and "2 historical requests running" in refused["message"]
    assert refused["request_id"] == "r-1"
    other = await handle_user_event(services, user_event(historical(), connection_id="conn-2"), limiter)
    assert other.job is not None
    await limiter.release("conn-1", jobs[0].job_id)
    assert (await handle_user_event(services, raw, limiter)).job is not None


class BrokenBackend:
    name = "broken"

    async def list(self, prefix):
        raise StorageError("storage is down")

    async def write(self, key, data, **kw):
        raise StorageError("storage is down")

    read = delete = list


async def test_a_storage_failure_gets_storage_error(services) -> None:
    limiter = ConnectionLimiter(BrokenBackend(), 2)
    message = error_reply(await handle_user_event(services, user_event(historical()), limiter))
    assert (message["code"], message["request_id"]) == ("STORAGE_ERROR", "r-1")


async def test_an_unexpected_failure_is_internal_error_without_details(services) -> None:
    class Exploding:
        max_active = 1

        async def acquire(self, connection_id, job_id):
            raise RuntimeError("secret=hunter2 at /srv/app")

    message = error_reply(await handle_user_event(services, user_event(historical()), Exploding()))
    assert message["code"] == "INTERNAL_ERROR" and "hunter2" not in message["message"]
    assert message["request_id"] == "r-1"
