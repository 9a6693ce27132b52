"""Bounds of the Web PubSub stand-in, so that slow, silent or many clients cannot hurt the others.

* ``send_timeout_seconds`` / ``send_buffer_bytes``: a send to a connection is queued in that
  connection's own outbox (the caller -- a queue worker serving a job -- never waits on a socket); a
  connection whose outbox is full, or whose socket takes longer than the timeout to accept one frame,
  is dropped (close code 1008), and sends to it fail like sends to a gone connection.
* ``max_connections``: client connections open at once (more are refused with 503 before the upgrade).
* ``max_unacked_bytes``: messages kept for recovery on reliable connections, all connections together;
  beyond it, a connection's oldest unacknowledged messages are forgotten (as beyond the per-connection
  ``PER_CONNECTION_UNACKED_BYTES``).

``UnackedBudget`` counts the kept bytes of every connection; a closed connection gives all of its back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PER_CONNECTION_UNACKED_BYTES = 64 * 1024 * 1024
MAX_MESSAGE_BYTES = 1_048_576  # the service's limit of one message, inbound or sent through the REST API


@dataclass(frozen=True)
class StandInLimits:
    max_connections: int = 1_000
    max_unacked_bytes: int = 256 * 1024 * 1024
    send_buffer_bytes: int = 16 * 1024 * 1024
    send_timeout_seconds: float = 10.0


def standin_limits(settings: Any) -> StandInLimits:
    """The limits from ``Settings`` (``LOCAL_WEBPUBSUB_*``)."""
    return StandInLimits(
        max_connections=settings.local_webpubsub_max_connections,
        max_unacked_bytes=settings.local_webpubsub_max_unacked_bytes,
        send_buffer_bytes=settings.local_webpubsub_send_buffer_bytes,
        send_timeout_seconds=settings.local_webpubsub_send_timeout_seconds,
    )


class UnackedBudget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size

    def give_back(self, size: int) -> None:
        self.used -= size

    def over(self) -> bool:
        return self.used > self.limit
