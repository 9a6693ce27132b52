"""One client connection of the Web PubSub stand-in: its socket, its outgoing sequence and its events.

Every server message of a reliable connection (``json.reliable.webpubsub.azure.v1``) gets the next
``sequenceId`` and stays in ``unacked`` until the client's ``sequenceAck`` covers it; when the socket
drops without a close frame the connection waits ``RECOVERY_SECONDS`` for the client to come back with
its reconnection token (messages sent meanwhile are kept), then the unacknowledged ones are sent again
and the client drops the repeats by ``sequenceId``. The buffer is bounded (``MAX_UNACKED_BYTES``): the
oldest messages are forgotten beyond it, with a warning.

Client events are queued and handed to ``dispatch`` one at a time, in order, by one task per connection
(the service also waits for the app's answer to a user event before the next); ``close`` cancels it.
Acks that need no dispatch (``Duplicate``, ``BadRequest``, ``Forbidden``) go through the same queue
(``queue_ack``), so every frame's ack leaves in the order its frames arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from shared.localhost.webpubsub.protocol import ClientFrame, Payload

log = logging.getLogger(__name__)
RECOVERY_SECONDS = 30.0  # the official client tries to recover for 30 s
MAX_UNACKED_BYTES = 64 * 1024 * 1024
ACK_DELAY = 0.02  # seconds an ack waits before it is sent; see shared.localhost.webpubsub.events
_SEEN_ACK_IDS = 1024


class Connection:
    def __init__(
        self,
        connection_id: str,
        hub: str,
        user_id: str | None,
        reliable: bool,
        reconnection_token: str | None,
        handle_event: Callable[[Connection, ClientFrame], Awaitable[None]],
    ) -> None:
        self.connection_id, self.hub, self.user_id = connection_id, hub, user_id
        self.reliable = reliable
        self.reconnection_token = reconnection_token
        self.ws: web.WebSocketResponse | None = None
        self.unacked: deque[tuple[int, bytes | str]] = deque()
        self._unacked_bytes = 0
        self._next_sequence_id = 1
        self._send_lock = asyncio.Lock()
        self._seen_ack_ids: OrderedDict[int, None] = OrderedDict()
        self._events: asyncio.Queue[ClientFrame | str] = asyncio.Queue()
        self._handle_event = handle_event
        self._worker = asyncio.create_task(self._work(), name=f"standin-events-{connection_id}")
        self.expiry: asyncio.TimerHandle | None = None

    # -- outgoing ----------------------------------------------------------------------------
    async def send_payload(self, payload: Payload) -> None:
        """Send a server message; on a reliable connection it is numbered and kept until acknowledged."""
        async with self._send_lock:
            if not self.reliable:
                await self._write(payload.frame(None))
                return
            sequence_id, self._next_sequence_id = self._next_sequence_id, self._next_sequence_id + 1
            frame = payload.frame(sequence_id)
            self._keep(sequence_id, frame)
            await self._write(frame)

    async def send_frame(self, frame: str) -> None:
        """Send a frame outside the sequence (system messages, acks)."""
        async with self._send_lock:
            await self._write(frame)

    async def resend_unacked(self) -> None:
        async with self._send_lock:
            for _, frame in list(self.unacked):
                await self._write(frame)

    def acknowledge(self, sequence_id: int) -> None:
        while self.unacked and self.unacked[0][0] <= sequence_id:
            self._unacked_bytes -= len(self.unacked.popleft()[1])

    def _keep(self, sequence_id: int, frame: bytes | str) -> None:
        self.unacked.append((sequence_id, frame))
        self._unacked_bytes += len(frame)
        while self._unacked_bytes > MAX_UNACKED_BYTES and len(self.unacked) > 1:
            dropped, old = self.unacked.popleft()
            self._unacked_bytes -= len(old)
            log.warning(
                "connection %s: forgot unacknowledged message %d (buffer full)", self.connection_id, dropped
            )

    async def _write(self, frame: bytes | str) -> None:
        """One text frame: ``bytes`` are UTF-8 JSON already (sent as they are), ``str`` is encoded."""
        ws = self.ws
        if ws is None or ws.closed:
            if not self.reliable:
                raise ConnectionResetError("the connection is closed")
            return  # kept in ``unacked``: sent again when the client recovers
        try:
            if isinstance(frame, bytes):
                await ws.send_frame(frame, WSMsgType.TEXT)
            else:
                await ws.send_str(frame)
        except ConnectionError:
            if not self.reliable:
                raise

    # -- incoming events ---------------------------------------------------------------------
    async def _send_ack(self, frame: str) -> None:
        await asyncio.sleep(ACK_DELAY)
        try:
            await self.send_frame(frame)
        except ConnectionError:
            pass

    def is_duplicate(self, ack_id: int) -> bool:
        """Remember ``ack_id``; True when this connection already sent it (the service answers Duplicate)."""
        if ack_id in self._seen_ack_ids:
            return True
        self._seen_ack_ids[ack_id] = None
        if len(self._seen_ack_ids) > _SEEN_ACK_IDS:
            self._seen_ack_ids.popitem(last=False)
        return False

    def queue_event(self, frame: ClientFrame) -> None:
        self._events.put_nowait(frame)

    def queue_ack(self, ack_frame: str) -> None:
        """Send this ack after the answers to every frame queued before it."""
        self._events.put_nowait(ack_frame)

    async def _work(self) -> None:
        while True:
            frame = await self._events.get()
            try:
                if isinstance(frame, str):
                    await self._send_ack(frame)
                    continue
                await self._handle_event(self, frame)
            except asyncio.CancelledError:
                raise
            except Exception:  # the handler answers failures itself; this is a bug in the stand-in
                log.exception("connection %s: a frame was not handled", self.connection_id)

    async def close(self, code: int, message: str) -> None:
        if self.expiry is not None:
            self.expiry.cancel()
        self._worker.cancel()
        ws, self.ws = self.ws, None
        if ws is not None and not ws.closed:
            await ws.close(code=code, message=message.encode())
        await asyncio.gather(self._worker, return_exceptions=True)
