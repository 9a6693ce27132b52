"""Partition summaries (coverage, row count, first/last timestamp) read from Parquet footers only.

Reading a year's coverage must not download a year of candles: the footer is the last few KB of each
object, fetched with a range read. Summaries are cached by (key, ETag), so an unchanged partition's
footer is read once per process.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable

from shared.errors import CorruptPartitionError, StorageError
from shared.storage.backend import ObjectInfo, StorageBackend
from shared.store.parquet_codec import PartitionSummary, footer_length, summarize_footer

TAIL_BYTES = 16 * 1024
CACHE_ENTRIES = 4096
CONCURRENCY = 16


class SummaryReader:
    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend
        self._cache: OrderedDict[tuple[str, str], PartitionSummary] = OrderedDict()

    async def many(self, infos: Iterable[ObjectInfo]) -> list[PartitionSummary]:
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(info: ObjectInfo) -> PartitionSummary:
            async with limit:
                return await self.one(info)

        return list(await asyncio.gather(*(one(i) for i in infos)))

    async def one(self, info: ObjectInfo) -> PartitionSummary:
        cached = self._cache.get((info.key, info.etag))
        if cached is not None:
            self._cache.move_to_end((info.key, info.etag))
            return cached
        summary, etag = await self._read(info)
        self._cache[(info.key, etag)] = summary
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return summary

    async def _read(self, info: ObjectInfo) -> tuple[PartitionSummary, str]:
        size = info.size
        for _ in range(5):  # the object may be replaced between listing and reading: follow it
            offset = max(0, size - TAIL_BYTES)
            obj = await self._backend.read(info.key, offset=offset, length=size - offset)
            if obj is None:
                raise StorageError(f"partition {info.key} vanished while being read")
            if obj.size != size:
                size = obj.size
                continue
            tail = obj.data
            needed = footer_length(tail) + 8
            if needed > size:
                raise CorruptPartitionError(f"partition {info.key} is shorter than its own footer says")
            if needed > len(tail):
                whole = await self._backend.read(info.key, offset=size - needed, length=needed)
                if whole is None or whole.etag != obj.etag:
                    size = whole.size if whole is not None else size
                    continue
                tail = whole.data
            return summarize_footer(tail), obj.etag
        raise StorageError(f"partition {info.key} kept changing while its footer was read")
