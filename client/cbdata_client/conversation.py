"""One ``request_historical`` conversation over Web PubSub with the official asyncio client SDK.

``converse`` runs the SDK's asyncio client in a private thread with its own event loop (callers stay
synchronous, also inside a running loop such as Jupyter's), feeds every server message to a
``HistoricalAssembly`` and returns once the answer is final or the deadline passed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from cbdata_client.assembly import HistoricalAssembly, message_of
from cbdata_client.errors import ServiceError, ServiceTimeoutError


def converse(
    request: dict[str, Any], assembly: HistoricalAssembly, negotiate: Callable[[], str], timeout: float
) -> None:
    """One Web PubSub conversation, on the SDK's asyncio client in a private thread and event loop:
    callers stay synchronous (also inside a running loop, e.g. Jupyter), and the asyncio client
    does not have the sync client's races (an ack, or an event frame, held back until close).

    The call returns as soon as the answer is final; the thread then closes the connection on its
    own. The SDK's ``close()`` waits for its once-a-second sequence-ack task (0.5-1 s, more than the
    whole rest of a warm year); the thread is not a daemon, so the close always completes, even when
    the program ends right after the call."""
    try:
        from azure.messaging.webpubsubclient.aio import WebPubSubClient  # noqa: F401
    except ImportError as exc:
        raise ImportError("historical() needs pip install 'azure-messaging-webpubsubclient[aio]' "
                          "(a dependency of cbdata-client)") from exc  # fmt: skip
    deadline = time.monotonic() + timeout
    outcome: list[BaseException] = []
    answered = threading.Event()

    def run() -> None:
        try:
            asyncio.run(_converse(request, assembly, negotiate, timeout, deadline, answered))
        except BaseException as exc:  # handed to the calling thread (unless it already has its answer)
            outcome.append(exc)
        finally:
            answered.set()

    threading.Thread(target=run, name="candle-client", daemon=False).start()
    answered.wait()
    if outcome:
        raise outcome[0]


async def _converse(
    request: dict[str, Any],
    assembly: HistoricalAssembly,
    negotiate_url: Callable[[], str],
    timeout_s: float,
    deadline: float,
    answered: threading.Event,
) -> None:
    from azure.messaging.webpubsubclient.aio import WebPubSubClient, WebPubSubClientCredential
    from azure.messaging.webpubsubclient.models import CallbackType, WebPubSubDataType

    done = asyncio.Event()

    async def on_message(args: Any) -> None:
        message = message_of(args.data)
        if message is not None and assembly.feed(message):
            done.set()

    async def on_stopped(*_: Any) -> None:
        assembly.fail(ServiceError("CONNECTION_LOST", "the Web PubSub connection closed for good"))
        done.set()

    async def negotiate() -> str:  # called again on every reconnect
        return await asyncio.to_thread(negotiate_url)

    client = WebPubSubClient(
        WebPubSubClientCredential(negotiate),
        start_timeout=max(1.0, deadline - time.monotonic()),
        ack_timeout=min(timeout_s, 30.0),
        message_retry_total=0,  # a resent event would start a second job
    )
    await client.subscribe(CallbackType.SERVER_MESSAGE, on_message)
    try:
        await _open(client)
        await client.subscribe(CallbackType.STOPPED, on_stopped)
        try:
            await client.send_event("request_historical", request, WebPubSubDataType.JSON)
        except ServiceError:
            raise
        except Exception as exc:  # the SDK's SendMessageError and friends
            if not assembly.finished:  # an error_response may already explain the refusal
                raise ServiceError(
                    "SEND_FAILED", f"request_historical was not accepted ({type(exc).__name__})"
                ) from None
        try:
            await asyncio.wait_for(done.wait(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise ServiceTimeoutError(
                f"no complete answer within {timeout_s:g} s; raise timeout= for long ranges"
            ) from None
        answered.set()  # the caller goes on with the answer while the connection closes
    finally:
        await client.close()


async def _open(client: Any) -> None:
    try:
        await client.open()
    except ServiceError:  # negotiate failed (wrong key, service down): the service's own code
        raise
    except Exception as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ServiceError):
            raise cause from None
        raise ServiceError("UNREACHABLE", f"cannot connect to Web PubSub ({type(exc).__name__})") from None
