"""Helpers for the Web PubSub tests: request bodies and checks of reply shapes."""

from __future__ import annotations

import json
from typing import Any

from shared.errors import public_codes
from shared.webpubsub.events import EventOutcome
from tests.emulator.server import DEFAULT_NOW_MS

MIN = 60_000
NOW_SLOT = DEFAULT_NOW_MS - DEFAULT_NOW_MS % MIN


def historical(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": "r-1",
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "timeframe": "1m",
        "start": NOW_SLOT - 3_000 * MIN,
        "end": NOW_SLOT - 1_000 * MIN,
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def reply_message(outcome: EventOutcome) -> dict[str, Any]:
    """The message a client receives from the user-event reply (checks the reply's shape)."""
    assert outcome.reply is not None
    assert set(outcome.reply) == {"data", "dataType"}
    assert outcome.reply["dataType"] == "json"
    assert isinstance(outcome.reply["data"], str)
    return json.loads(outcome.reply["data"])


def error_reply(outcome: EventOutcome) -> dict[str, Any]:
    """The error_response of a refused event: no job, the contract's keys, a public code."""
    assert outcome.job is None
    message = reply_message(outcome)
    assert set(message) == {"type", "request_id", "code", "message"}
    assert message["type"] == "error_response"
    assert message["code"] in public_codes()
    assert isinstance(message["message"], str) and message["message"]
    assert message["request_id"] is None or isinstance(message["request_id"], str)
    return message


def reassemble(messages: list[dict[str, Any]]) -> tuple[list[list[Any]], dict[str, Any]]:
    """What a client does: keep the first chunk of each ``seq`` (drop repeats after a retry), order by
    ``seq``, check the complete message's counts; returns (rows, complete)."""
    chunks: dict[int, list[list[Any]]] = {}
    for message in messages:
        if message["type"] == "historical_data_chunk":
            chunks.setdefault(message["seq"], message["data"])
    [done] = [m for m in messages if m["type"] == "historical_data_complete"][-1:]
    assert sorted(chunks) == list(range(done["chunks"]))
    rows = [row for seq in sorted(chunks) for row in chunks[seq]]
    assert len(rows) == done["count"]
    return rows, done
