"""An in-process queue standing in for a Storage Queue: at-least-once delivery with a dequeue count.

Messages queue in a bounded ``asyncio.Queue``; a few consumer tasks hand each one to the handler. A
handler that raises gets the message again after ``retry_delay`` seconds (the queue's visibility
timeout, shorter locally) with ``dequeue_count`` one higher, until ``max_dequeue_count`` attempts
failed; then the message goes to the bounded ``poison`` list (``<queue>-poison`` in Azure) and is logged.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    id: str
    body: bytes
    dequeue_count: int  # the delivery about to happen: 1 on the first attempt
    insertion_time: datetime


Handler = Callable[[QueuedMessage], Awaitable[None]]


class LocalQueue:
    def __init__(
        self,
        name: str,
        handler: Handler | None,
        *,
        max_dequeue_count: int = 5,
        consumers: int = 4,
        max_messages: int = 10_000,
        retry_delay: float = 1.0,
        max_poison: int = 1_000,
    ) -> None:
        self.name = name
        self._handler = handler
        self.max_dequeue_count = max_dequeue_count
        self._consumer_count = consumers if handler is not None else 0
        self._retry_delay = retry_delay
        self._queue: asyncio.Queue[QueuedMessage] = asyncio.Queue(max_messages)
        self.poison: deque[QueuedMessage] = deque(maxlen=max_poison)
        self.done = 0  # messages handled successfully
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0

    @property
    def has_consumer(self) -> bool:
        """A queue-triggered function reads this queue (else its messages stay queued)."""
        return self._handler is not None

    def tasks(self) -> list[asyncio.Task[None]]:
        """The queue's consumers and waiting retries that are still running."""
        return [t for t in self._tasks if not t.done()]

    def start(self) -> None:
        for n in range(self._consumer_count):
            self._track(asyncio.create_task(self._consume(), name=f"queue {self.name} consumer {n}"))

    async def put(self, body: bytes) -> str:
        """Enqueue one message (waits while the queue is full); returns its id."""
        message = QueuedMessage(uuid.uuid4().hex, body, 1, datetime.now(tz=UTC))
        await self._queue.put(message)
        return message.id

    @property
    def idle(self) -> bool:
        """Nothing queued, nothing being handled, no retry waiting."""
        return (
            self._queue.empty()
            and self._active == 0
            and not any(t.get_name().startswith("queue retry") for t in self._tasks)
        )

    async def stop(self) -> None:
        """Cancel the consumers and waiting retries; queued messages are dropped (the queue is in memory)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _consume(self) -> None:
        assert self._handler is not None
        while True:
            message = await self._queue.get()
            self._active += 1
            try:
                await self._handler(message)
                self.done += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                self._failed(message)
            finally:
                self._active -= 1
                self._queue.task_done()

    def _failed(self, message: QueuedMessage) -> None:
        if message.dequeue_count >= self.max_dequeue_count:
            self.poison.append(message)
            log.exception(
                "queue %s: message %s failed %d times; moved to the poison list",
                self.name,
                message.id,
                message.dequeue_count,
            )
            return
        log.warning(
            "queue %s: message %s failed (attempt %d of %d); it is delivered again",
            self.name,
            message.id,
            message.dequeue_count,
            self.max_dequeue_count,
            exc_info=True,
        )
        again = replace(message, dequeue_count=message.dequeue_count + 1)
        self._track(asyncio.create_task(self._redeliver(again), name=f"queue retry {message.id}"))

    async def _redeliver(self, message: QueuedMessage) -> None:
        await asyncio.sleep(self._retry_delay)
        await self._queue.put(message)
