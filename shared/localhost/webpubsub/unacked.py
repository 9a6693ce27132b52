"""The messages a reliable connection keeps until the client acknowledges them (``sequenceAck``).

Bounded twice: per connection (``PER_CONNECTION_UNACKED_BYTES``; the newest message always stays)
and across connections (``limits.UnackedBudget``, strict: down to nothing kept). Beyond either, the
oldest messages are forgotten with a warning -- they only matter if the client reconnects. ``clear``
gives every byte back to the budget (a closed connection keeps nothing).
"""

from __future__ import annotations

import logging
from collections import deque

from shared.localhost.webpubsub.limits import PER_CONNECTION_UNACKED_BYTES, UnackedBudget

log = logging.getLogger(__name__)


class UnackedBuffer:
    def __init__(self, connection_id: str, budget: UnackedBudget) -> None:
        self._connection_id = connection_id
        self._budget = budget
        self._frames: deque[tuple[int, bytes | str]] = deque()
        self.bytes = 0

    def keep(self, sequence_id: int, frame: bytes | str) -> None:
        self._frames.append((sequence_id, frame))
        self.bytes += len(frame)
        self._budget.take(len(frame))
        while (self.bytes > PER_CONNECTION_UNACKED_BYTES and len(self._frames) > 1) or (
            self._budget.over() and self._frames
        ):
            forgotten = self._forget_oldest()
            log.warning(
                "connection %s: forgot unacknowledged message %d (buffer full)",
                self._connection_id,
                forgotten,
            )

    def acknowledge(self, sequence_id: int) -> None:
        while self._frames and self._frames[0][0] <= sequence_id:
            self._forget_oldest()

    def frames(self) -> list[bytes | str]:
        """The kept frames, oldest first (to send again after a recovery)."""
        return [frame for _, frame in self._frames]

    def clear(self) -> None:
        while self._frames:
            self._forget_oldest()

    def _forget_oldest(self) -> int:
        sequence_id, frame = self._frames.popleft()
        self.bytes -= len(frame)
        self._budget.give_back(len(frame))
        return sequence_id
