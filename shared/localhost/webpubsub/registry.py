"""The stand-in's open connections by id, and the tasks that drop them.

A connection is added when a client connects and dropped when it closes, when its 30 s recovery
window expires (``expire``) or when it is too slow (``forget``, the connection's ``on_drop``). Drops
that start outside a request run as tasks kept here, so ``close`` can wait for every one of them.
"""

from __future__ import annotations

import asyncio
import logging

from shared.localhost.webpubsub import protocol as wire
from shared.localhost.webpubsub.connection import Connection

log = logging.getLogger(__name__)


class ConnectionRegistry:
    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.closing = False

    def __len__(self) -> int:
        return len(self._connections)

    def get(self, connection_id: str) -> Connection | None:
        return self._connections.get(connection_id)

    def add(self, connection: Connection) -> None:
        self._connections[connection.connection_id] = connection

    def ids(self, hub: str | None = None) -> list[str]:
        return [c for c, conn in self._connections.items() if hub is None or conn.hub.lower() == hub.lower()]

    async def close(self) -> None:
        """Close every socket and end their tasks: a ``disconnected`` message, then close code 1008, which
        stops the official client's 30 s recovery attempts (it reconnects afresh if it is set to)."""
        self.closing = True
        connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            if connection.ws is not None and not connection.ws.closed:
                try:
                    await connection.send_frame(wire.disconnected("the service is shutting down"))
                except ConnectionError:
                    pass
            await connection.close(1008, "the service is shutting down")
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def expire(self, connection: Connection) -> None:
        """A reliable connection's recovery window ended: drop it unless it was recovered meanwhile."""
        if connection.ws is None and self._connections.get(connection.connection_id) is connection:
            self._drop_later(connection)

    def forget(self, connection: Connection) -> None:
        """A connection dropped as too slow: no longer addressable; its socket and tasks end after."""
        if self._connections.get(connection.connection_id) is connection:
            del self._connections[connection.connection_id]
            self._drop_later(connection)

    def _drop_later(self, connection: Connection) -> None:
        task = asyncio.create_task(self.drop(connection))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drop(self, connection: Connection) -> None:
        self._connections.pop(connection.connection_id, None)
        await connection.close(1000, "")
        log.info("web pubsub stand-in: client %s disconnected", connection.connection_id)
