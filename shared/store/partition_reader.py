"""Reading candles of many partitions in order: one decoded while the next one downloads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pyarrow as pa
import pyarrow.compute as pc

from shared.errors import CorruptPartitionError
from shared.storage.backend import ObjectInfo, StorageBackend
from shared.store import parquet_codec as codec
from shared.store.quarantine import Quarantine


class PartitionReader:
    def __init__(self, backend: StorageBackend, quarantine: Quarantine) -> None:
        self.backend = backend
        self.quarantine = quarantine

    async def stream(
        self, infos: list[ObjectInfo], start: int, end: int, batch_rows: int
    ) -> AsyncGenerator[pa.Table, None]:
        """Candles of ``infos`` with ``start <= timestamp < end`` in order, in tables of at most
        ``batch_rows`` rows; memory stays bounded by about two partitions."""
        if not infos:
            return
        next_load: asyncio.Future[pa.Table] | None = asyncio.ensure_future(self.load(infos[0], start, end))
        try:
            for i in range(len(infos)):
                assert next_load is not None
                table = await next_load
                next_load = None
                if i + 1 < len(infos):
                    next_load = asyncio.ensure_future(self.load(infos[i + 1], start, end))
                for offset in range(0, table.num_rows, batch_rows):
                    yield table.slice(offset, batch_rows)
        finally:
            if next_load is not None:
                next_load.cancel()
                await asyncio.gather(next_load, return_exceptions=True)

    async def load(self, info: ObjectInfo, start: int, end: int) -> pa.Table:
        obj = await self.backend.read(info.key)
        if obj is None:  # deleted meanwhile (an operator, or another instance's quarantine)
            return codec.empty_table()
        try:
            return await asyncio.to_thread(decode_range, obj.data, start, end)
        except CorruptPartitionError as exc:  # quarantine: the answer would have a hole, so it fails
            await self.quarantine.set_aside(info.key, str(exc))
            raise


def decode_range(data: bytes, start: int, end: int) -> pa.Table:
    table, _ = codec.decode(data)
    ts = table.column("timestamp")
    if table.num_rows and (ts[0].as_py() < start or ts[-1].as_py() >= end):
        table = table.filter(pc.and_(pc.greater_equal(ts, start), pc.less(ts, end)))
    return table
