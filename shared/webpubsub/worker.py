"""The queue-triggered worker: serve one historical job and send its messages to the job's connection.

Retry policy (the queue re-delivers a message while the function raises, up to ``maxDequeueCount``,
then moves it to ``<queue>-poison``; ``max_dequeue`` is that count, from ``host.json`` through
``shared.host_json``):

- permanent errors (bad request, unknown coin, history not available, ...): ``error_response`` is
  sent and the job ends normally;
- transient errors (exchange unavailable or rate limited, storage, the service refusing a send):
  re-raised while ``dequeue_count < max_dequeue`` so the queue retries the whole job (the client sees
  the same ``seq`` numbers again and drops repeats); on the last attempt ``error_response`` is sent
  instead, and only when even that cannot be sent does the job raise into the poison queue;
- the connection is gone (404 from the service): the job stops quietly, nothing more is sent;
- anything unexpected (a bug): ``error_response`` with ``INTERNAL_ERROR`` and no retry.

The per-connection slot is renewed when an attempt starts and released when the job is finished
(always, except when the job raises for a retry: the retried attempt still holds it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import orjson

from shared.errors import (
    CorruptPartitionError,
    DataServiceError,
    ExchangeUnavailableError,
    StorageError,
    public_view,
)
from shared.host_json import host_options
from shared.logging_config import log_context
from shared.memory import release_free_memory
from shared.telemetry import metrics
from shared.telemetry.spans import span
from shared.webpubsub import messages
from shared.webpubsub.historical import serve_historical
from shared.webpubsub.jobs import HistoricalJob, parse_job
from shared.webpubsub.limits import ConnectionLimiter
from shared.webpubsub.sender import ConnectionGone, ConnectionSender, SendError
from shared.webpubsub.trigger import shown

if TYPE_CHECKING:  # typing only: composition is a higher layer (no runtime import)
    from shared.composition import Services

log = logging.getLogger(__name__)
TRANSIENT = (ExchangeUnavailableError, StorageError, SendError)


async def run_job(
    services: Services,
    job: str,
    dequeue_count: int,
    sender: ConnectionSender | None,
    limiter: ConnectionLimiter,
    *,
    max_dequeue: int | None = None,  # None: host.json's maxDequeueCount
    max_message_bytes: int = 900_000,
    progress_interval_s: float = 1.0,  # at most one progress message per interval (the first always)
) -> None:
    try:
        parsed = parse_job(job)
    except DataServiceError as exc:  # not ours or corrupted: nobody to answer, retrying cannot help
        log.error("dropped a queue message that is not a historical job: %s", exc.message)
        return
    ids = {"job_id": parsed.job_id, "connection_id": parsed.connection_id}  # log_context escapes them
    with log_context(**ids), span("job", request_id=parsed.request.request_id, **ids):
        await _run(
            services,
            parsed,
            dequeue_count,
            sender,
            limiter,
            max_dequeue,
            max_message_bytes,
            progress_interval_s,
        )


async def _run(
    services: Services,
    parsed: HistoricalJob,
    dequeue_count: int,
    sender: ConnectionSender | None,
    limiter: ConnectionLimiter,
    max_dequeue: int | None,
    max_message_bytes: int,
    progress_interval_s: float,
) -> None:
    if sender is None:  # nothing can reach the client; retrying cannot help
        log.error("job %s dropped: Web PubSub is not configured (WebPubSubConnectionString)", parsed.job_id)
        await limiter.release(parsed.connection_id, parsed.job_id)
        return
    if max_dequeue is None:
        max_dequeue = host_options().max_dequeue_count
    last = dequeue_count >= max_dequeue
    where = f"job {parsed.job_id} (attempt {dequeue_count} of {max_dequeue})"
    release = True
    try:
        await _renew(limiter, parsed)

        async def send(message: bytes) -> None:
            await sender.send(parsed.connection_id, message, hub=parsed.hub)

        await serve_historical(
            services,
            parsed.request,
            send,
            max_message_bytes=max_message_bytes,
            progress_interval_s=progress_interval_s,
            encoding=parsed.request.encoding,
        )
    except ConnectionGone:
        log.info("%s stopped: connection %s is gone", where, shown(parsed.connection_id, 64))
    except CorruptPartitionError as exc:  # set aside already: the client's next request refetches the span
        log.error("%s met an unreadable partition: %s", where, _describe(exc), extra={"error_code": exc.code})
        await _send_error(sender, parsed, exc)
    except TRANSIENT as exc:
        if not last:
            release = False
            log.warning("%s failed transiently (%s); the queue retries it", where, type(exc).__name__)
            raise
        log.error("%s failed on its last attempt: %s", where, _describe(exc))
        await _send_error(sender, parsed, exc)
    except DataServiceError as exc:
        log.info("%s refused: %s", where, exc.code, extra={"error_code": exc.code})
        await _send_error(sender, parsed, exc)
    except Exception as exc:
        log.exception("%s failed unexpectedly", where)
        await _send_error(sender, parsed, exc)
    finally:
        if release:
            await _release(limiter, parsed)
        await asyncio.to_thread(release_free_memory)  # what serving the job freed (shared/memory.py)


async def _send_error(sender: ConnectionSender, job: HistoricalJob, exc: Exception) -> None:
    """Tell the client; a gone connection is fine, a refused send raises (retry, then poison)."""
    message = orjson.dumps(messages.error(job.request.request_id, exc))
    metrics.error(public_view(exc)[0], "webpubsub")
    try:
        await sender.send(job.connection_id, message, hub=job.hub)
    except ConnectionGone:
        log.info("job %s: connection gone before its error could be sent", job.job_id)


async def _renew(limiter: ConnectionLimiter, job: HistoricalJob) -> None:
    try:
        await limiter.renew(job.connection_id, job.job_id)
    except StorageError as exc:  # the slot is only a guard rail; serving goes on
        log.warning("job %s: could not renew its connection slot: %s", job.job_id, exc.message)


async def _release(limiter: ConnectionLimiter, job: HistoricalJob) -> None:
    try:
        await limiter.release(job.connection_id, job.job_id)
    except StorageError as exc:  # the marker expires after the limiter's TTL
        log.warning("job %s: could not release its connection slot: %s", job.job_id, exc.message)


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, DataServiceError | SendError) else type(exc).__name__
