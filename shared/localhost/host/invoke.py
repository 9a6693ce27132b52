"""Calling queue- and timer-triggered functions with their trigger value and output bindings.

A queue-triggered function gets ``azure.functions.queue.QueueMessage`` (id, body, dequeue count,
insertion time), a timer function ``azure.functions.timer.TimerRequest`` (``past_due``). Queue outputs
the function sets are enqueued after it returns, and dropped when it raises (as in Azure); an
exception propagates to the caller, which retries (queue) or logs (timer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest

from shared.localhost.host.bindings import Function, invoke, output_slots, queue_messages
from shared.localhost.host.queue import QueuedMessage

Enqueue = Callable[[str, bytes], Awaitable[None]]  # (queue name, message)


async def call_with_outputs(
    function: Function, trigger_value: Any, enqueue: Enqueue, inputs: dict[str, Any] | None = None
) -> Any:
    """Call ``function`` with its trigger value, ``inputs`` (binding name -> value) and fresh outputs."""
    outputs = output_slots(function, "queue")
    result = await invoke(function, {function.trigger["name"]: trigger_value, **(inputs or {}), **outputs})
    for binding in function.outputs:
        if binding["name"] in outputs:
            for message in queue_messages(outputs[binding["name"]].get()):
                await enqueue(binding["queueName"], message)
    return result


def queue_runner(function: Function, enqueue: Enqueue) -> Callable[[QueuedMessage], Awaitable[None]]:
    async def run(message: QueuedMessage) -> None:
        value = QueueMessage(
            id=message.id,
            body=message.body,
            dequeue_count=message.dequeue_count,
            insertion_time=message.insertion_time,
        )
        await call_with_outputs(function, value, enqueue)

    return run


def timer_runner(function: Function, enqueue: Enqueue) -> Callable[[bool], Awaitable[None]]:
    async def run(past_due: bool) -> None:
        await call_with_outputs(function, TimerRequest(past_due=past_due), enqueue)

    return run
