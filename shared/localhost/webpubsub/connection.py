"""One client connection of the Web PubSub stand-in: its socket, its outgoing sequence and its events.

Every server message of a reliable connection (``json.reliable.webpubsub.azure.v1``) gets the next
``sequenceId`` and stays in ``unacked`` until the client's ``sequenceAck`` covers it; when the socket
drops without a close frame the connection waits ``RECOVERY_SECONDS`` for the client to come back with
its reconnection token (messages sent meanwhile are kept), then the unacknowledged ones are sent again
and the client drops the repeats by ``sequenceId``. The buffer is bounded (per connection, and across
all connections by ``limits.UnackedBudget``): the oldest messages are forgotten beyond it, with a warning.

Frames go out through the connection's own outbox and writer task (``limits.StandInLimits``): a send
never waits on the socket; a full outbox, or a socket that does not take a frame within the send
timeout, drops the connection (``dropped`` is set, the socket closed with 1008) instead of stalling the
sender. ``close`` ends both tasks and gives every kept byte back.

Client events are queued and handed to ``dispatch`` one at a time, in order, by one task per connection
(the service also waits for the app's answer to a user event before the next); ``close`` cancels it.
Acks that need no dispatch (``Duplicate``, ``BadRequest``, ``Forbidden``) go through the same queue
(``queue_ack``), so every frame's ack leaves in the order its frames arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from shared.localhost.webpubsub.limits import StandInLimits, UnackedBudget
from shared.localhost.webpubsub.protocol import ClientFrame, Payload
from shared.localhost.webpubsub.unacked import UnackedBuffer

log = logging.getLogger(__name__)
RECOVERY_SECONDS = 30.0  # the official client tries to recover for 30 s
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
        limits: StandInLimits | None = None,
        budget: UnackedBudget | None = None,
    ) -> None:
        self._limits = limits or StandInLimits()
        self._budget = budget or UnackedBudget(self._limits.max_unacked_bytes)
        self._outbox: asyncio.Queue[bytes | str] = asyncio.Queue()
        self._outbox_bytes = 0
        self.dropped = False  # too slow: closed for good, no recovery
        self.on_drop: Callable[[Connection], None] | None = None  # the stand-in forgets it at once
        self.transport: asyncio.Transport | None = None  # aborted when a close cannot get through
        self.connection_id, self.hub, self.user_id = connection_id, hub, user_id
        self.reliable = reliable
        self.reconnection_token = reconnection_token
        self.ws: web.WebSocketResponse | None = None
        self.unacked = UnackedBuffer(connection_id, self._budget)
        self._next_sequence_id = 1
        self._send_lock = asyncio.Lock()
        self._seen_ack_ids: OrderedDict[int, None] = OrderedDict()
        self._events: asyncio.Queue[ClientFrame | str] = asyncio.Queue()
        self._handle_event = handle_event
        self._worker = asyncio.create_task(self._work(), name=f"standin-events-{connection_id}")
        self._writer = asyncio.create_task(self._drain(), name=f"standin-writer-{connection_id}")
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
            self.unacked.keep(sequence_id, frame)
            await self._write(frame)

    async def send_frame(self, frame: str) -> None:
        """Send a frame outside the sequence (system messages, acks)."""
        async with self._send_lock:
            await self._write(frame)

    async def resend_unacked(self) -> None:
        async with self._send_lock:
            for frame in self.unacked.frames():
                await self._write(frame)

    def acknowledge(self, sequence_id: int) -> None:
        self.unacked.acknowledge(sequence_id)

    async def _write(self, frame: bytes | str) -> None:
        """Queue ``frame`` for the writer task; never waits on the socket. ``bytes`` are UTF-8 JSON
        already (sent as they are), ``str`` is encoded."""
        if self.dropped:
            raise ConnectionResetError("the connection was dropped")
        ws = self.ws
        if ws is None or ws.closed:
            if not self.reliable:
                raise ConnectionResetError("the connection is closed")
            return  # kept in ``unacked``: sent again when the client recovers
        if self._outbox_bytes + len(frame) > self._limits.send_buffer_bytes and self._outbox_bytes:
            await self._drop_slow(f"its send buffer ({self._limits.send_buffer_bytes} bytes) is full")
            raise ConnectionResetError("the connection reads too slowly and was dropped")
        self._outbox_bytes += len(frame)
        self._outbox.put_nowait(frame)

    async def _drain(self) -> None:
        while True:
            frame = await self._outbox.get()
            self._outbox_bytes -= len(frame)
            ws = self.ws
            if ws is None or ws.closed:
                continue  # reliable: still in ``unacked``; plain: the connection is gone
            try:
                async with asyncio.timeout(self._limits.send_timeout_seconds):
                    if isinstance(frame, bytes):
                        await ws.send_frame(frame, WSMsgType.TEXT)
                    else:
                        await ws.send_str(frame)
            except TimeoutError:
                await self._drop_slow(f"a frame waited over {self._limits.send_timeout_seconds:g} s")
                return
            except ConnectionError:
                continue

    async def _drop_slow(self, why: str) -> None:
        if self.dropped:
            return
        self.dropped = True
        log.warning("connection %s: dropped, the client reads too slowly (%s)", self.connection_id, why)
        self._clear_outbox()
        if self.on_drop is not None:
            self.on_drop(self)
        ws, transport = self.ws, self.transport
        if transport is not None:  # a close frame would queue behind what the client does not read
            transport.abort()
        elif ws is not None and not ws.closed:
            task = asyncio.create_task(ws.close(code=1008, message=b"the client reads too slowly"))
            task.add_done_callback(lambda t: t.exception())

    def _clear_outbox(self) -> None:
        while not self._outbox.empty():
            self._outbox.get_nowait()
        self._outbox_bytes = 0

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
        self._writer.cancel()
        ws, self.ws = self.ws, None
        if ws is not None and not ws.closed:
            try:
                async with asyncio.timeout(self._limits.send_timeout_seconds):
                    await ws.close(code=code, message=message.encode())
            except TimeoutError:
                pass
        await asyncio.gather(self._worker, self._writer, return_exceptions=True)
        self._clear_outbox()
        self.unacked.clear()  # memory released: every kept byte back to the budget
        self._seen_ack_ids.clear()
